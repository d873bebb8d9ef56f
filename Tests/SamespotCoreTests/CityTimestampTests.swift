import SamespotCore
import Testing

@Suite struct CityTimestampTests {
    @Test(arguments: [
        ("2021-01-01T00:00:09.000", "2021-01-01T00:00:09.000000", true),
        ("2021-01-01 13:05:00", "2021-01-01T13:05:00.000000", true),
        ("2011-01-31", "2011-01-31T00:00:00.000000", false),
        ("01/31/2011 01:05:00 PM", "2011-01-31T13:05:00.000000", true),
        ("01/31/2011 12:00:00 AM", "2011-01-31T00:00:00.000000", true),
        ("2024-02-29T23:59:59.123456", "2024-02-29T23:59:59.123456", true),
    ])
    func parsesCityFormats(text: String, iso: String, hasTime: Bool) throws {
        let t = try #require(CityTimestamp(parsing: text))
        #expect(t.isoLocal == iso)
        #expect(t.hasTimeOfDay == hasTime)
    }

    @Test(arguments: ["", "yesterday", "2021-13-01", "2023-02-29", "2021-01-01T25:00:00", "2021-01-01T10:00:00Z", "13/01/2021"])
    func rejectsWhatIsNotADate(text: String) {
        #expect(CityTimestamp(parsing: text) == nil)
    }

    @Test func ordersByInstantIncludingMicroseconds() throws {
        let a = try #require(CityTimestamp(parsing: "2021-01-01T00:00:09.000001"))
        let b = try #require(CityTimestamp(parsing: "2021-01-01T00:00:09.000002"))
        let c = try #require(CityTimestamp(parsing: "2021-01-02"))
        #expect(a < b && b < c)
        #expect(!(b < a))
    }
}
