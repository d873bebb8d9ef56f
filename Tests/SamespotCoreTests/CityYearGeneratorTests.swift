import Foundation
import SamespotCore
import Testing

/// The synthetic city-year: the same seed gives the same year; repeats are linked to an earlier
/// report of their type a few metres and hours away; the file reads back as a city export.
@Suite struct CityYearGeneratorTests {
    static let places = (0..<200).map { i in
        CityYearGenerator.Place(address: "\(1000 + 2 * i) N STATE ST", zip: "60610",
                                longitude: -87.6278, latitude: 41.90 + Double(i) * 0.0001)
    }
    static let types = [
        CityYearGenerator.RequestType(code: "PHF", name: "Pothole in Street Complaint", department: "CDOT", weight: 5),
        CityYearGenerator.RequestType(code: "SDO", name: "Ice and Snow Removal Request", department: "Streets and Sanitation", weight: 3),
        CityYearGenerator.RequestType(code: "311IOC", name: "311 INFORMATION ONLY CALL", department: "311 City Services", weight: 2),
    ]

    static func year(seed: UInt64) -> [[String]] {
        var settings = CityYearGenerator.Settings(year: 2022, requests: 5_000, seed: seed)
        settings.burstShare = 0.2
        return CityYearGenerator(places: places, types: types, settings: settings).rows()
    }

    @Test func theSameSeedGivesTheSameYear() {
        let a = Self.year(seed: 7), b = Self.year(seed: 7), c = Self.year(seed: 8)
        #expect(a.count == 5_000)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func repeatsFollowTheirFirstReportClosely() throws {
        let rows = Self.year(seed: 1)
        let header = CityYearGenerator.header
        let reader = try CityRecordReader(mapping: .standard)
        let csv = ([header] + rows).map(CSVWriter.record).joined(separator: "\n")
        let records = try readCSV(bytes: Array(csv.utf8)).rows.map { try reader.record($0) }
        let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.serviceRequestID, $0) })
        let repeats = records.filter { !$0.cityParentID.isEmpty }
        #expect(repeats.count > 300)
        for child in repeats {
            let parent = try #require(byID[child.cityParentID])
            #expect(child.cityDuplicate && !parent.cityDuplicate)
            #expect(parent.serviceCode == child.serviceCode)
            // Information calls are about no place: they never come in bursts.
            #expect(child.serviceCode != "311IOC")
            let hours = (child.requestedAt.localSeconds - parent.requestedAt.localSeconds) / 3_600
            #expect(hours > 0 && hours <= 8)
            let metres = hypot((child.longitude! - parent.longitude!) * 83_000, (child.latitude! - parent.latitude!) * 111_000)
            #expect(metres < 31)
        }
        // Numbers follow the order requests came in.
        let times = records.map(\.requestedAt.localSeconds)
        #expect(times == times.sorted())
        // Snow comes in winter only.
        let snowMonths = Set(records.filter { $0.serviceCode == "SDO" }.map(\.requestedAt.month))
        #expect(snowMonths.isSubset(of: [1, 2, 3, 12]) && !snowMonths.isEmpty)
    }
}
