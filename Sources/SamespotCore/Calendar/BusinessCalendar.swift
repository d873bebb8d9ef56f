/// A calendar day, as the city's clocks show it (no time zone: the caller has applied the city's).
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int, month: Int, day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year; self.month = month; self.day = day
    }

    /// "2021-01-01"; nil for anything else or an impossible date.
    public init?(parsing text: String) {
        guard let t = CityTimestamp(parsing: text), !t.hasTimeOfDay else { return nil }
        self.init(year: t.year, month: t.month, day: t.day)
    }

    /// Days since 1970-01-01.
    public var dayNumber: Int {
        Int(CityTimestamp(year: year, month: month, day: day, hasTimeOfDay: false).localSeconds / 86_400)
    }

    public init(dayNumber: Int) {
        // Civil from days (Howard Hinnant's algorithm).
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// 1 = Monday … 7 = Sunday (ISO 8601).
    public var isoWeekday: Int {
        // 1970-01-01 was a Thursday (4).
        let w = (dayNumber % 7 + 7) % 7
        return (w + 3) % 7 + 1
    }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    public var description: String {
        func pad(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    /// "Tuesday 8 December 2026": how a letter names a day.
    public var longDescription: String {
        let weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                      "November", "December"]
        return "\(weekdays[isoWeekday - 1]) \(day) \(months[max(0, min(11, month - 1))]) \(year)"
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
}

/// Business days of the city: Monday to Friday, less its holidays. Customer-service standards
/// count deadlines in business days ("acknowledged within 1 business day, answered within 7").
public struct BusinessCalendar: Sendable, Equatable {
    public var holidays: Set<CivilDate>

    public init(holidays: Set<CivilDate> = []) { self.holidays = holidays }

    public func isBusinessDay(_ date: CivilDate) -> Bool {
        date.isoWeekday <= 5 && !holidays.contains(date)
    }

    /// The day a request made on `date` is due when it has `businessDays` business days: the
    /// n-th business day after that date. It is due by the end of that day, so a request made
    /// on Friday afternoon with one business day is due by the end of Monday, and one made on a
    /// Saturday is due by the end of Monday too.
    public func dueDate(after date: CivilDate, businessDays: Int) -> CivilDate {
        var day = date
        var left = max(0, businessDays)
        while left > 0 {
            day = day.adding(days: 1)
            if isBusinessDay(day) { left -= 1 }
        }
        return day
    }
}
