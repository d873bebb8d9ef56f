import Foundation
import SamespotCore
import Testing

@testable import SamespotHTTP

/// The city's W3C times, written by hand for speed, against Foundation's ISO 8601 format style
/// (the colon offset Open311 clients expect) in zones with whole-hour, half-hour and
/// quarter-hour offsets, daylight saving, UTC, and dates before 1970.
@Suite struct CityClockTests {
    @Test(arguments: ["America/Chicago", "UTC", "Asia/Kolkata", "Australia/Eucla", "America/St_Johns", "Pacific/Kiritimati"])
    func w3cTimesAreFoundationsToTheSecond(zone: String) {
        let clock = CityClock(timeZoneIdentifier: zone)
        let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: TimeZone(identifier: zone)!)
        var generator = SystemRandomNumberGenerator()
        var instants: [Double] = [0, -1, -0.5, 86_399.999, 951_782_400, 1_615_708_800, 1_615_712_399.75, 4_102_444_800, -2_208_988_800]
        for _ in 0..<2_000 { instants.append(Double.random(in: -2_000_000_000...4_000_000_000, using: &generator)) }
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(clock.w3c(date) == date.formatted(style), "\(seconds) in \(zone)")
        }
    }

    @Test func civilDatesAroundLeapDaysAndEras() {
        #expect(CivilDate(dayNumber: 0) == CivilDate(year: 1970, month: 1, day: 1))
        #expect(CivilDate(dayNumber: -1) == CivilDate(year: 1969, month: 12, day: 31))
        #expect(CivilDate(dayNumber: 11_016) == CivilDate(year: 2000, month: 2, day: 29))
        #expect(CivilDate(dayNumber: 11_017) == CivilDate(year: 2000, month: 3, day: 1))
        #expect(CivilDate(dayNumber: -25_508) == CivilDate(year: 1900, month: 3, day: 1))
        #expect(CivilDate(dayNumber: -25_509) == CivilDate(year: 1900, month: 2, day: 28))
    }
}
