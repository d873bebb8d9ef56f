import Foundation

/// The tracking numbers residents quote: the city's prefix, the year, a running number —
/// `SS26-00000042`. PostgreSQL's sequence gives the running number (unique across instances);
/// this gives the rest. Imported history keeps the city's own numbers.
public struct TrackingNumber: Sendable, Equatable {
    public var prefix: String
    /// Digits of the running number, zero-padded.
    public static let digits = 8

    public init(prefix: String = "SS") { self.prefix = prefix }

    /// "SS26-" for a request taken at `instant` (seconds since 1970), in UTC's year: the
    /// turn of the year is the same instant on every instance.
    public func yearPrefix(at instant: Double) -> String {
        let year = Calendar(identifier: .gregorian).component(.year, from: Date(timeIntervalSince1970: instant)) % 100
        return "\(prefix)\(year < 10 ? "0" : "")\(year)-"
    }

    /// The instants (seconds since 1970) whose numbers take the same year as `instant`'s: intake
    /// in one statement computes the prefix before PostgreSQL's clock is read, and stores only if
    /// that clock falls in this span.
    public func yearSpan(at instant: Double) -> Range<Double> {
        guard let year = Calendar(identifier: .gregorian).dateInterval(of: .year, for: Date(timeIntervalSince1970: instant)) else {
            return instant..<instant
        }
        return year.start.timeIntervalSince1970..<year.end.timeIntervalSince1970
    }

    /// The whole number, for a running number (what the SQL builds with `lpad`).
    public func format(_ running: Int64, at instant: Double) -> String {
        let text = String(running)
        return yearPrefix(at: instant) + String(repeating: "0", count: max(0, Self.digits - text.count)) + text
    }
}
