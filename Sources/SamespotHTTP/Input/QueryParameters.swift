import Foundation
import Hummingbird
import SamespotCore

/// Typed reading of a request's query string, each bad value refused with a 400 that names the
/// parameter and says what it takes. Unknown parameters are ignored, as Open311 clients expect.
struct QueryParameters {
    private let values: [Substring: Substring]

    init(_ request: Request) {
        var values: [Substring: Substring] = [:]
        // The first of repeated parameters counts.
        for (key, value) in request.uri.queryParameters where values[key] == nil { values[key] = value }
        self.values = values
    }

    /// The text of a parameter, trimmed; nil when absent or empty.
    func string(_ name: String) throws -> String? {
        guard let raw = values[Substring(name)] else { return nil }
        let text = String(raw).trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return nil }
        try TextCheck.singleLine(text, field: name)
        return text
    }

    /// Whether the parameter was sent at all (perhaps empty).
    func has(_ name: String) -> Bool { values[Substring(name)] != nil }

    /// Free text such as an address, where a `+` from a form-encoded link means a space.
    func text(_ name: String) throws -> String? {
        try string(name).map { $0.replacingOccurrences(of: "+", with: " ") }.flatMap { $0.isEmpty ? nil : $0 }
    }

    func double(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        try string(name).map { try Self.number($0, name: name, in: range) }
    }

    /// A finite number within `range`, read from text a caller sent (a query or a form field).
    static func number(_ text: String, name: String, in range: ClosedRange<Double>) throws -> Double {
        guard let value = Double(text), value.isFinite else { throw APIError.badRequest("\(name)=\(text.prefix(40)) is not a number") }
        guard range.contains(value) else {
            throw APIError.badRequest("\(name)=\(text.prefix(40)) is out of range (\(format(range.lowerBound)) to \(format(range.upperBound)))")
        }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = try string(name) else { return nil }
        guard let value = Int(text) else { throw APIError.badRequest("\(name)=\(text.prefix(40)) is not a whole number") }
        guard range.contains(value) else { throw APIError.badRequest("\(name) must be \(range.lowerBound) to \(range.upperBound)") }
        return value
    }

    func bool(_ name: String) throws -> Bool? {
        guard let text = try string(name)?.lowercased() else { return nil }
        switch text {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.badRequest("\(name) must be true or false")
        }
    }

    /// A comma-separated list, nil when absent: at most `max` values of at most `maxLength` characters each (a
    /// URL stays well inside the server's limit on a request's head).
    func list(_ name: String, max: Int = 200, maxLength: Int = 64) throws -> [String]? {
        guard let text = try string(name) else { return nil }
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard items.count <= max else { throw APIError.badRequest("\(name) lists \(items.count) values; at most \(max)") }
        if let long = items.first(where: { $0.count > maxLength }) {
            throw APIError.badRequest("\(name) has a value of \(long.count) characters (\(long.prefix(20))…); at most \(maxLength)")
        }
        return items.isEmpty ? nil : items
    }

    /// A date or date-time (W3C); a date alone is the city's local day: its start, or with
    /// `endOfDay` its end (the start of the next day), so `end_date=2021-01-01` includes that day.
    func date(_ name: String, clock: CityClock, endOfDay: Bool = false) throws -> Date? {
        guard let text = try string(name) else { return nil }
        guard let parsed = W3CDateTime.parse(text), let date = clock.date(parsed, endOfDay: endOfDay) else {
            throw APIError.badRequest("\(name)=\(text.prefix(40)) is not a date: use 2021-01-01 or 2021-01-01T09:30:00-06:00")
        }
        return date
    }

    private static func format(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}
