import SamespotCore
import Testing

@Suite struct BusinessCalendarTests {
    let calendar = BusinessCalendar(holidays: [CivilDate(year: 2021, month: 1, day: 1), CivilDate(year: 2021, month: 1, day: 18)])

    @Test func civilDatesRoundTripAndKnowTheirWeekday() {
        let d = CivilDate(year: 2021, month: 1, day: 1)
        #expect(CivilDate(dayNumber: d.dayNumber) == d)
        #expect(d.isoWeekday == 5)  // a Friday
        #expect(CivilDate(year: 2024, month: 2, day: 29).adding(days: 1) == CivilDate(year: 2024, month: 3, day: 1))
        #expect(CivilDate(parsing: "2021-01-31") == CivilDate(year: 2021, month: 1, day: 31))
        #expect(CivilDate(parsing: "2021-02-30") == nil)
        #expect(CivilDate(year: 1969, month: 12, day: 31).isoWeekday == 3)
    }

    @Test func deadlinesSkipWeekendsAndHolidays() {
        // New Year's Day 2021 (a holiday, a Friday): one business day → Monday the 4th.
        #expect(calendar.dueDate(after: CivilDate(year: 2021, month: 1, day: 1), businessDays: 1) == CivilDate(year: 2021, month: 1, day: 4))
        // Seven business days from it: 4, 5, 6, 7, 8, 11, 12.
        #expect(calendar.dueDate(after: CivilDate(year: 2021, month: 1, day: 1), businessDays: 7) == CivilDate(year: 2021, month: 1, day: 12))
        // A Saturday request is due when a Friday-night one is.
        #expect(calendar.dueDate(after: CivilDate(year: 2021, month: 1, day: 9), businessDays: 1) == CivilDate(year: 2021, month: 1, day: 11))
        // Friday the 15th, Martin Luther King Day on Monday the 18th: due Tuesday the 19th.
        #expect(calendar.dueDate(after: CivilDate(year: 2021, month: 1, day: 15), businessDays: 1) == CivilDate(year: 2021, month: 1, day: 19))
        #expect(calendar.isBusinessDay(CivilDate(year: 2021, month: 1, day: 18)) == false)
        #expect(BusinessCalendar().isBusinessDay(CivilDate(year: 2021, month: 1, day: 18)))
    }
}
