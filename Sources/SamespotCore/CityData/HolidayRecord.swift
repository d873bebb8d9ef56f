/// A day the city's offices are closed, as a CSV row (`date,name`): no deadline falls on it.
public struct HolidayRecord: Sendable, Equatable {
    public var date: CivilDate
    public var name: String

    public init(date: CivilDate, name: String) {
        self.date = date
        self.name = name
    }

    public init(row: CSVRow) throws(CSVRowError) {
        let text = try row.requiredText("date", "day")
        guard let date = CivilDate(parsing: text) else {
            throw CSVRowError(line: row.line, column: "date", message: "\"\(text)\" is not a date (YYYY-MM-DD)")
        }
        self.date = date
        name = row.text("name", "holiday")
    }
}
