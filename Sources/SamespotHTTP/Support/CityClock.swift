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
    ///
    /// Written from the zone's offset and the civil date of the local day: a listing of a
    /// thousand requests prints two thousand of these, and Foundation's format style spent a
    /// tenth of the listing on them. Offsets with seconds (local mean time, before 1900) and
    /// years outside 0–9999 go to the format style, which prints the same for every other date.
    func w3c(_ date: Date) -> String {
        let offset = timeZone.secondsFromGMT(for: date)
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard offset % 60 == 0, abs(seconds) < 2.5e11 else { return date.formatted(w3cStyle) }
        var (days, time) = (Int(seconds) + offset).quotientAndRemainder(dividingBy: 86_400)
        if time < 0 { days -= 1; time += 86_400 }
        let civil = CivilDate(dayNumber: days)
        guard (0...9_999).contains(civil.year) else { return date.formatted(w3cStyle) }
        var text = [UInt8]()
        text.reserveCapacity(25)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor > 0 { text.append(UInt8(48 + value / divisor % 10)); divisor /= 10 }
        }
        digits(civil.year, 4); text.append(0x2D); digits(civil.month, 2); text.append(0x2D); digits(civil.day, 2)
        text.append(0x54); digits(time / 3_600, 2); text.append(0x3A); digits(time / 60 % 60, 2); text.append(0x3A); digits(time % 60, 2)
        if offset == 0 {
            text.append(0x5A)  // "Z", as the format style writes UTC
        } else {
            text.append(offset < 0 ? 0x2D : 0x2B)
            digits(abs(offset) / 3_600, 2); text.append(0x3A); digits(abs(offset) / 60 % 60, 2)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The local day of an instant ("2021-01-01").
    func day(_ date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return CivilDate(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1).description
    }
}
