import Foundation

extension CivilDate {
    /// The city's calendar day at `instant` (seconds since 1970) in `timeZone`, with the instants
    /// that day spans (23 or 25 hours across a clock change). Nil for a time zone Foundation
    /// does not know.
    public static func containing(_ instant: Double, timeZone identifier: String) -> (date: CivilDate, span: Range<Double>)? {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let date = Date(timeIntervalSince1970: instant)
        guard let span = calendar.dateInterval(of: .day, for: date) else { return nil }
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day else { return nil }
        return (CivilDate(year: year, month: month, day: day), span.start.timeIntervalSince1970..<span.end.timeIntervalSince1970)
    }
}
