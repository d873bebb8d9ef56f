import Foundation
import SamespotCore

/// The city's clock: local dates and times in its zone, and W3C dates with its offset.
struct CityClock: Sendable {
    let timeZone: TimeZone
    private let calendar: Calendar
    private let w3cStyle: Date.ISO8601FormatStyle

    init(timeZoneIdentifier: String) {
        timeZone = TimeZone(identifier: timeZoneIdentifier) ?? .gmt
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
        // W3C wants the offset with a colon (-06:00); clients that parse strictly skip other forms.
        w3cStyle = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: timeZone)
    }

    func date(_ value: W3CDateTime, endOfDay: Bool = false) -> Date? {
        switch value {
        case .instant(let seconds):
            return Date(timeIntervalSince1970: seconds)
        case .local(let t):
            let components = DateComponents(year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute,
                                            second: t.second, nanosecond: t.microsecond * 1_000)
            guard let start = calendar.date(from: components) else { return nil }
            return endOfDay && !t.hasTimeOfDay ? calendar.date(byAdding: .day, value: 1, to: start) : start
        }
    }

    /// "2021-01-01T00:00:09-06:00": W3C with the city's offset, as Open311 clients expect.
    func w3c(_ date: Date) -> String {
        date.formatted(w3cStyle)
    }

    /// The local day of an instant ("2021-01-01").
    func day(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return CivilDate(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1).description
    }
}
