import Foundation
import SamespotCore
import Testing

/// Addresses the table lacks, learned from where the city's own history placed them: a small
/// city of two streets, S ALPHA AVE (every 10th number from 100 to 900, both sides) and
/// S BRAVO AVE (100 to 500), 400 m apart.
@Suite struct LearnedAddressTests {
    static func latitude(_ n: Int) -> Double { 41.9 - Double(n) / 111_195 }  // a metre a number
    static func longitude(_ street: Int, _ n: Int) -> Double { -87.7 + Double(street) * 0.0048 + (n % 2 == 1 ? 0.0001 : -0.0001) }

    static func table() -> [(id: Int64, point: AddressPoint)] {
        var addresses: [(id: Int64, point: AddressPoint)] = []
        for (s, (name, last)) in [("ALPHA", 900), ("BRAVO", 500)].enumerated() {
            for n in stride(from: 100, through: last, by: 10) {
                for number in [n, n + 1] {
                    addresses.append((Int64(addresses.count + 1), AddressPoint(
                        houseNumber: number, preDirection: "S", streetName: name, streetType: "AVE",
                        longitude: longitude(s, number), latitude: latitude(number))))
                }
            }
        }
        return addresses
    }

    static func index(learning learned: [LearnedAddress]) -> GeocoderIndex {
        GeocoderIndex(addresses: table(), learned: learned)
    }

    static func metres(_ r: GeocodeResult, _ lon: Double, _ lat: Double) throws -> Double {
        let rLon = try #require(r.longitude), rLat = try #require(r.latitude)
        return hypot((rLon - lon) * 111_195 * cos(lat * .pi / 180), (rLat - lat) * 111_195)
    }

    @Test func anAddressTheTableLacksIsWhereTheCityPlacedItBefore() throws {
        // 455 S ALPHA is not in the table; the city filed requests there 12 m off the street's line
        // (a deep lot), as typed in its files, one of them astray.
        let deep = Self.longitude(0, 455) + 12 / (111_195 * cos(41.9 * .pi / 180))
        let history = [
            LearnedAddress(address: "455 S ALPHA AVE", longitude: deep, latitude: Self.latitude(455), reports: 3),
            LearnedAddress(address: "455 s alpha", longitude: deep, latitude: Self.latitude(455)),
            LearnedAddress(address: "455 S ALPHA AVENUE", longitude: deep + 0.0008, latitude: Self.latitude(455) - 0.0004),
        ]
        let index = Self.index(learning: history)
        #expect(index.learnedCount == 1)
        let r = index.geocode("455 S Alpha Ave")
        #expect(r.method == .learned && r.precision == .interpolated && r.addressID == nil)
        #expect(r.matched == "455 S ALPHA AVE")
        #expect(r.reasons.contains { $0.contains("5 earlier requests") }, "\(r.reasons)")
        // The median of five reports: the stray one does not move it.
        #expect(try Self.metres(r, deep, Self.latitude(455)) < 0.5)
        // Without the history the same address is placed on the street's line, 12 m away.
        let plain = Self.index(learning: []).geocode("455 S Alpha Ave")
        #expect(plain.method == .interpolated)
        #expect(try Self.metres(plain, deep, Self.latitude(455)) > 10)
    }

    @Test func theTableIsNeverOverruled() throws {
        let index = Self.index(learning: [LearnedAddress(address: "450 S ALPHA AVE", longitude: Self.longitude(0, 450) + 0.0002,
                                                         latitude: Self.latitude(450), reports: 50)])
        #expect(index.learnedCount == 0)
        let r = index.geocode("450 S ALPHA AVE")
        #expect(r.method == .addressPoint)
        #expect(try Self.metres(r, Self.longitude(0, 450), Self.latitude(450)) < 0.01)
    }

    @Test func aPlacementFarFromItsStreetOrOnNoOneStreetIsNotLearned() {
        let index = Self.index(learning: [
            // 2 km east of S ALPHA: the city's coordinates were of somewhere else.
            LearnedAddress(address: "457 S ALPHA AVE", longitude: Self.longitude(0, 457) + 0.024, latitude: Self.latitude(457)),
            // No street type, no direction, and a name no street has.
            LearnedAddress(address: "455 S CHARLIE AVE", longitude: Self.longitude(0, 455), latitude: Self.latitude(455)),
            // A typo'd number: S BRAVO's numbers end at 501, 2 km north of where 2455 would be.
            LearnedAddress(address: "2455 S BRAVO AVE", longitude: Self.longitude(1, 2455), latitude: Self.latitude(2455)),
            // A corner, not an address.
            LearnedAddress(address: "S ALPHA AVE & S BRAVO AVE", longitude: Self.longitude(0, 455), latitude: Self.latitude(455)),
        ])
        #expect(index.learnedCount == 0)
        #expect(index.geocode("457 S ALPHA AVE").method == .interpolated)
    }

    @Test func aLearnedPointPlacesItsNeighboursButIsNeverAnAddressOfTheTable() throws {
        // 905, 915 and 925 S ALPHA lie past the table's last number (901); the city placed 915 and 925.
        let history = [915, 925].map {
            LearnedAddress(address: "\($0) S ALPHA AVE", longitude: Self.longitude(0, $0), latitude: Self.latitude($0))
        }
        let index = Self.index(learning: history)
        #expect(index.learnedCount == 2)
        let between = index.geocode("919 S ALPHA AVE")
        #expect(between.method == .interpolated)
        #expect(try Self.metres(between, Self.longitude(0, 919), Self.latitude(919)) < 1)
        // Reverse geocoding and address ids answer with the table's addresses only.
        let reverse = try #require(index.reverse(longitude: Self.longitude(0, 925), latitude: Self.latitude(925)))
        #expect(reverse.address == "901 S ALPHA AVE" && reverse.addressID > 0)
        #expect(index.address(id: 0) == nil)
        #expect(index.addressCount == Self.table().count)
    }

    /// The evaluation learns month by month: a row is geocoded by what the months before it
    /// taught, never by itself or its own month.
    @Test func theEvaluationLearnsOnlyFromEarlierMonths() {
        let deep = Self.longitude(0, 455) + 0.0005  // 41 m off the street's line: only learning finds it
        let samples = ["2012-03-04", "2012-03-20", "2012-04-02"].map {
            GeocoderEvaluation.Sample(address: "455 S ALPHA AVE", longitude: deep, latitude: Self.latitude(455), day: $0)
        }
        let evaluation = GeocoderEvaluation(label: "", samples: samples) { Self.index(learning: $0) }
        #expect(evaluation.total == 3)
        #expect(evaluation.byMethod[.learned] == 1 && evaluation.byMethod[.interpolated] == 2)
        #expect(evaluation.within30m == 1)
    }
}
