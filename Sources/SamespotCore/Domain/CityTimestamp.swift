/// A local date and time as city files write it, before a time zone is applied.
///
/// Older city files carry only a date ("2011-01-31"): `hasTimeOfDay` is false then, and the
/// dedup engine treats the order of requests within that day as unknown.
public struct CityTimestamp: Sendable, Equatable, Comparable {
    public var year: Int, month: Int, day: Int
    public var hour: Int, minute: Int, second: Int, microsecond: Int
    public var hasTimeOfDay: Bool

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                microsecond: Int = 0, hasTimeOfDay: Bool = true) {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
        self.microsecond = microsecond
        self.hasTimeOfDay = hasTimeOfDay
    }

    /// Reads "2021-01-01T00:00:09.000", "2021-01-01 00:00:09", "2011-01-31" and the
    /// US export form "01/31/2011 01:05:00 PM". Returns nil for anything else.
    public init?(parsing text: String) {
        let s = text.trimmingASCIIWhitespace()
        let bytes = Array(s.utf8)
        if bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") {
            guard let y = Self.number(bytes, 0, 4), let m = Self.number(bytes, 5, 2), let d = Self.number(bytes, 8, 2)
            else { return nil }
            self.init(year: y, month: m, day: d, hasTimeOfDay: false)
            if bytes.count > 10 {
                guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
                      Self.readTime(bytes, from: 11, into: &self) else { return nil }
            }
        } else if bytes.count >= 10, bytes[2] == UInt8(ascii: "/"), bytes[5] == UInt8(ascii: "/") {
            guard let m = Self.number(bytes, 0, 2), let d = Self.number(bytes, 3, 2), let y = Self.number(bytes, 6, 4)
            else { return nil }
            self.init(year: y, month: m, day: d, hasTimeOfDay: false)
            if bytes.count > 10 {
                guard bytes[10] == UInt8(ascii: " "), Self.readTime(bytes, from: 11, into: &self) else { return nil }
            }
        } else {
            return nil
        }
        guard (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
    }

    /// `HH:MM[:SS[.ffffff]]`, an optional ` AM`/` PM`; a trailing `Z` or offset is not accepted
    /// here because city files write local time and the caller applies the city's zone.
    private static func readTime(_ b: [UInt8], from start: Int, into t: inout CityTimestamp) -> Bool {
        guard let h = number(b, start, 2), b.count >= start + 5, b[start + 2] == UInt8(ascii: ":"),
              let mi = number(b, start + 3, 2) else { return false }
        var i = start + 5
        var sec = 0, micro = 0
        if i < b.count, b[i] == UInt8(ascii: ":") {
            guard let s = number(b, i + 1, 2) else { return false }
            sec = s
            i += 3
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                var digits = 0
                while i < b.count, (0x30...0x39).contains(b[i]) {
                    if digits < 6 { micro = micro * 10 + Int(b[i] - 0x30); digits += 1 }
                    i += 1
                }
                guard digits > 0 else { return false }
                while digits < 6 { micro *= 10; digits += 1 }
            }
        }
        var hour = h
        let rest = String(decoding: b[i...], as: UTF8.self).trimmingASCIIWhitespace().uppercased()
        switch rest {
        case "": break
        case "AM": guard (1...12).contains(h) else { return false }; hour = h == 12 ? 0 : h
        case "PM": guard (1...12).contains(h) else { return false }; hour = h == 12 ? 12 : h + 12
        default: return false
        }
        t.hour = hour; t.minute = mi; t.second = sec; t.microsecond = micro
        t.hasTimeOfDay = true
        return true
    }

    private static func number(_ b: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= b.count else { return nil }
        var value = 0
        for i in start..<(start + count) {
            guard (0x30...0x39).contains(b[i]) else { return nil }
            value = value * 10 + Int(b[i] - 0x30)
        }
        return value
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// ISO 8601 without a zone ("2021-01-01T00:00:09.000000"), the form PostgreSQL reads as
    /// `timestamp` before the city's zone is applied with `AT TIME ZONE`.
    public var isoLocal: String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(microsecond, 6))"
    }

    /// Seconds since 1970-01-01T00:00 *local* time: a number to subtract for ages and windows
    /// (a daylight-saving hour aside, which no dedup window is fine enough to notice).
    public var localSeconds: Double {
        // Days from civil (Howard Hinnant's algorithm), proleptic Gregorian calendar.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + second) + Double(microsecond) / 1e6
    }

    public static func < (a: CityTimestamp, b: CityTimestamp) -> Bool {
        // Swift compares tuples of at most six elements.
        let left = (a.year, a.month, a.day, a.hour, a.minute, a.second)
        let right = (b.year, b.month, b.day, b.hour, b.minute, b.second)
        return left == right ? a.microsecond < b.microsecond : left < right
    }
}
