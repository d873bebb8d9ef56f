import Foundation
import SamespotCore
import Testing

/// The full-city address table: numbers missing between two known points on one side of a
/// street are placed on the line between them; long gaps, other streets and the other side are
/// left alone; the table reads back as the address file it is written as.
@Suite struct CityAddressGeneratorTests {
    static func point(_ number: Int, _ street: String = "STATE", lat: Double, lon: Double = -87.6278) -> AddressPoint {
        AddressPoint(houseNumber: number, preDirection: "N", streetName: street, streetType: "ST", zipCode: "60610",
                     longitude: lon, latitude: lat, source: "known")
    }

    /// North State St, even side: 1000 and 1010 are 100 m apart; 1010 and 1900 are too far
    /// apart in numbers to fill. The odd side has 1001 and 1005. Another street, 2 numbers apart.
    static let known = [
        point(1000, lat: 41.9000), point(1010, lat: 41.9009), point(1900, lat: 41.9100),
        point(1001, lat: 41.9000, lon: -87.6276), point(1005, lat: 41.9004, lon: -87.6276),
        point(10, "ELM", lat: 41.95), point(12, "ELM", lat: 41.9501),
    ]

    @Test func theGapsOnEachSideAreFilledAlongTheLine() throws {
        let table = CityAddressGenerator(known: Self.known, settings: .init(points: 1_000)).points()
        let placed = table.filter { $0.source == "generated" }
        #expect(Array(table.prefix(Self.known.count)) == Self.known, "the known points come first, unchanged")
        #expect(placed.map(\.houseNumber) == [1002, 1004, 1006, 1008, 1003], "even side, then odd side; nothing across an 890-number gap")
        let n1004 = try #require(placed.first { $0.houseNumber == 1004 })
        #expect(abs(n1004.latitude - (41.9000 + 0.0009 * 0.4)) < 1e-12)
        #expect(n1004.longitude == -87.6278 && n1004.streetName == "STATE" && n1004.preDirection == "N" && n1004.zipCode == "60610")
        let n1003 = try #require(placed.first { $0.houseNumber == 1003 })
        #expect(n1003.longitude == -87.6276, "an odd number lies on the odd side's line")
        #expect(Set(table.map(\.fullAddress)).count == table.count, "no address twice")
    }

    @Test func askedForFewerItKeepsAnEvenSpreadAndTheSameTableEachTime() {
        let generator = CityAddressGenerator(known: Self.known, settings: .init(points: Self.known.count + 2))
        let table = generator.points()
        #expect(table.count == Self.known.count + 2)
        #expect(table.suffix(2).map(\.houseNumber) == [1002, 1006], "candidates 0 and 2 of 5")
        #expect(generator.points() == table)
        #expect(CityAddressGenerator(known: Self.known, settings: .init(points: 3)).points() == Self.known, "never fewer than known")
    }

    @Test func aFarGapIsLeftAlone() {
        // 1000 and 1100 on one side, but 2 km apart (another stretch of the street).
        let far = [Self.point(1000, lat: 41.90), Self.point(1100, lat: 41.918)]
        #expect(CityAddressGenerator(known: far, settings: .init(points: 100)).points() == far)
    }

    @Test func theTableReadsBackAsAnAddressFile() throws {
        let table = CityAddressGenerator(known: Self.known, settings: .init(points: 1_000)).points()
        let csv = ([CityAddressGenerator.header] + table.map(CityAddressGenerator.row)).map(CSVWriter.record).joined(separator: "\n")
        let read = try readCSV(bytes: Array(csv.utf8)).rows.map { try AddressPoint(row: $0) }
        #expect(read.map(\.fullAddress) == table.map(\.fullAddress))
        #expect(zip(read, table).allSatisfy { abs($0.latitude - $1.latitude) < 1e-7 && abs($0.longitude - $1.longitude) < 1e-7 })
    }
}
