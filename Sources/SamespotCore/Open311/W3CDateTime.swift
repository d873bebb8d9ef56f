/// Dates as Open311 clients send them (W3C / ISO 8601): `2021-01-01T09:30:00-06:00`,
/// `…Z`, `…+0100`, fractions of a second, or a date alone (`2021-01-01`).
///
/// A time without a zone, or a date alone, is the city's local time: the caller applies the
/// city's zone. A `+` in a query string that a client did not encode arrives as a space in
/// some stacks (`…T09:30:00 01:00`), so a space before the offset is read as `+`.
public enum W3CDateTime: Sendable, Equatable {
    /// Seconds since 1970-01-01T00:00Z.
    case instant(Double)
    /// A local date or date and time, to be read in the city's zone.
    case local(CityTimestamp)

    public static func parse(_ text: String) -> W3CDateTime? {
        let s = text.trimmingASCIIWhitespace()
        let bytes = Array(s.utf8)
        // The date alone.
        if bytes.count == 10 { return CityTimestamp(parsing: s).map { .local($0) } }
        guard bytes.count >= 16, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " ")
        else { return nil }
        // Split off the zone: Z, or ±HH:MM / ±HHMM / ±HH after the time.
        var end = bytes.count
        var offsetSeconds: Int?
        if let last = bytes.last, last == UInt8(ascii: "Z") || last == UInt8(ascii: "z") {
            offsetSeconds = 0
            end -= 1
        } else if let sign = bytes[11...].lastIndex(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: " ") }),
                  sign > 15 {
            let digits = bytes[(sign + 1)...].filter { $0 != UInt8(ascii: ":") }
            guard digits.count == 2 || digits.count == 4, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            let h = Int(digits[0] - 0x30) * 10 + Int(digits[1] - 0x30)
            let m = digits.count == 4 ? Int(digits[2] - 0x30) * 10 + Int(digits[3] - 0x30) : 0
            guard h <= 14, m < 60 else { return nil }
            offsetSeconds = (h * 3_600 + m * 60) * (bytes[sign] == UInt8(ascii: "-") ? -1 : 1)
            end = sign
        }
        var local = Array(bytes[..<end])
        local[10] = UInt8(ascii: "T")
        guard let t = CityTimestamp(parsing: String(decoding: local, as: UTF8.self)), t.hasTimeOfDay else { return nil }
        guard let offsetSeconds else { return .local(t) }
        return .instant(t.localSeconds - Double(offsetSeconds))
    }
}
