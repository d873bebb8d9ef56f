import Foundation
import SamespotCore
import Testing

/// Numbers the address table lacks, placed from the city's grid: a synthetic grid city where
/// S numbers run south at a uneven but citywide pace (blocks of differing length), as Chicago's do.
@Suite struct AddressGridTests {
    /// Latitude of S number `n`: 100-number blocks alternate 150 m and 250 m long, the same on every street.
    static func latitude(_ n: Int) -> Double {
        let block = n / 100, within = Double(n % 100) / 100
        var metres = 0.0
        for b in 0..<block { metres += b % 2 == 0 ? 150 : 250 }
        metres += within * (block % 2 == 0 ? 150 : 250)
        return 41.9 - metres / 111_195
    }

    static func longitude(street: Int, odd: Bool) -> Double { -87.7 + Double(street) * 0.004 + (odd ? 0.0001 : -0.0001) }

    static let names = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT"]

    /// Six S streets, each with every 8th number from 0 to 2400; ECHO has only 300–400 and
    /// 2000–2100 (a long gap); FOXTROT has no address at all, only corners.
    static func city() -> GeocoderIndex {
        var addresses: [(id: Int64, point: AddressPoint)] = []
        for (s, name) in names.enumerated() where name != "FOXTROT" {
            for n in stride(from: 0, through: 2_400, by: 8) {
                for number in [n, n + 1] {
                    if name == "ECHO", !(300...400).contains(number), !(2_000...2_100).contains(number) { continue }
                    addresses.append((Int64(addresses.count + 1), AddressPoint(
                        houseNumber: number, preDirection: "S", streetName: name, streetType: "AVE",
                        longitude: longitude(street: s, odd: number % 2 == 1), latitude: latitude(number))))
                }
            }
        }
        let corners = (0...12).map { k in
            IntersectionRecord(name: "", street1: "S FOXTROT AVE", street2: "W CROSS\(k) ST", zipCode: "",
                               longitude: longitude(street: 5, odd: false) + 0.0001, latitude: latitude(k * 200))
        }
        // The city's street list gives every street's number range, FOXTROT's too.
        let streets = names.map { StreetRecord(fullName: "S \($0) AVE", preDirection: "S", streetName: $0, streetType: "AVE",
                                              postDirection: "", minAddress: 0, maxAddress: 2_400) }
        return GeocoderIndex(addresses: addresses, streets: streets, intersections: corners)
    }

    static func metres(_ r: GeocodeResult, _ lon: Double, _ lat: Double) throws -> Double {
        let rLon = try #require(r.longitude), rLat = try #require(r.latitude)
        return hypot((rLon - lon) * 111_195 * cos(lat * .pi / 180), (rLat - lat) * 111_195)
    }

    @Test func aLongGapFollowsTheGridNotAStraightLine() throws {
        let index = Self.city()
        // 1151 ECHO: between 401 and 2001, where blocks of 150 m and 250 m alternate. A straight
        // line between them misses; the grid knows the blocks (within its 25-number bins).
        let r = index.geocode("1151 S ECHO AVE")
        #expect(r.method == .interpolated)
        let error = try Self.metres(r, Self.longitude(street: 4, odd: true), Self.latitude(1151))
        let straight = abs(Self.latitude(401) + (Self.latitude(2001) - Self.latitude(401)) * 750 / 1600 - Self.latitude(1151)) * 111_195
        #expect(error < 8, "\(error) m")
        #expect(straight > 20, "a straight line from 401 to 2001 would be \(straight) m off")
        #expect(r.reasons.contains { $0.contains("grid") })
    }

    @Test func aStreetWithOnlyCornersIsPlacedByTheGrid() throws {
        let index = Self.city()
        let r = index.geocode("1234 S FOXTROT AVE")
        #expect(r.method == .interpolated)
        // On the centre line (corners carry no side): within 15 m of the door.
        #expect(try Self.metres(r, Self.longitude(street: 5, odd: false), Self.latitude(1234)) < 15)
        #expect(r.reasons.contains { $0.contains("corners") })
    }

    @Test func pastTheLastKnownNumberTheStreetCarriesOn() throws {
        let index = Self.city()
        // ECHO's known numbers end at 2101; 2180 lies past them, on the grid's 2100 block.
        let r = index.geocode("2180 S ECHO AVE")
        #expect(r.method == .interpolated)
        // The 2000 block is 150 m long, the 2100 block 250 m: carrying the 2000 block's pace on
        // would miss by 80 m.
        #expect(try Self.metres(r, Self.longitude(street: 4, odd: false), Self.latitude(2180)) < 8)
    }

    @Test func aCityWithoutAGridLearnsNone() throws {
        // Numbers that say nothing about position: each street numbered its own way.
        var addresses: [(id: Int64, point: AddressPoint)] = []
        for (s, name) in Self.names.prefix(4).enumerated() {
            for n in stride(from: 0, through: 800, by: 10) {
                let shifted = (n * (s + 1) * 7) % 800
                addresses.append((Int64(addresses.count + 1), AddressPoint(
                    houseNumber: n, preDirection: "S", streetName: name, streetType: "AVE",
                    longitude: Self.longitude(street: s, odd: false), latitude: Self.latitude(shifted))))
            }
        }
        let index = GeocoderIndex(addresses: addresses)
        let r = index.geocode("405 S ALPHA AVE")
        #expect(!r.reasons.contains { $0.contains("grid") })
    }
}
