import SamespotCore
import Testing

/// Completions while staff type, on a small street of hand-made points: prefixes, numbers
/// placed on the streets that have them, corners, and the order they come in.
@Suite struct AddressSuggestionTests {
    static let index: GeocoderIndex = {
        func point(_ id: Int64, _ n: Int, _ dir: String, _ name: String, _ type: String, _ lon: Double, _ lat: Double) -> (id: Int64, point: AddressPoint) {
            (id, AddressPoint(houseNumber: n, preDirection: dir, streetName: name, streetType: type, postDirection: "", zipCode: "",
                              longitude: lon, latitude: lat))
        }
        return GeocoderIndex(addresses: [
            point(1, 4801, "S", "WOOD", "ST", -87.6697, 41.8068), point(2, 4853, "S", "WOOD", "ST", -87.6697, 41.8057),
            point(3, 4899, "S", "WOOD", "ST", -87.6697, 41.8049),
            point(4, 4800, "S", "WOLCOTT", "AVE", -87.6721, 41.8068), point(5, 4900, "S", "WOLCOTT", "AVE", -87.6721, 41.8048),
            point(6, 4853, "N", "WOOD", "ST", -87.6721, 41.9700),
            point(7, 1200, "W", "63RD", "ST", -87.6550, 41.7797),
        ], intersections: [
            IntersectionRecord(name: "", street1: "W MADISON ST", street2: "N STATE ST", zipCode: "", longitude: -87.6278, latitude: 41.8820),
            IntersectionRecord(name: "", street1: "W MADISON ST", street2: "N WELLS ST", zipCode: "", longitude: -87.6339, latitude: 41.8820),
        ])
    }()

    @Test func aNumberIsPlacedOnEveryStreetThatBeginsWithTheTypedName() {
        let found = Self.index.suggest("4853 s wo")
        // The address point first, then the number interpolated on the other street.
        #expect(found.map(\.address) == ["4853 S WOOD ST", "4853 S WOLCOTT AVE"])
        #expect(found[0].method == .addressPoint && found[0].addressID == 2 && found[0].latitude == 41.8057)
        #expect(found[1].method == .interpolated && found[1].addressID == nil)
        // The direction narrows; its absence does not.
        #expect(Set(Self.index.suggest("4853 wood").map(\.address)) == ["4853 S WOOD ST", "4853 N WOOD ST"])
        // A number no street reaches gives nothing to pick.
        #expect(Self.index.suggest("99000 s wo").isEmpty)
    }

    @Test func finishedWordsAreReadAsTheNormaliserReadsThem() {
        #expect(Self.index.suggest("4853 S Wood Street").first?.address == "4853 S WOOD ST")
        #expect(Self.index.suggest("1200 w 63 st").first?.address == "1200 W 63RD ST")
        #expect(Self.index.suggest("1200 w 6").map(\.address) == ["1200 W 63RD ST"])
    }

    @Test func streetsAloneAndCorners() {
        let streets = Self.index.suggest("wo")
        #expect(streets.map(\.address) == ["N WOOD ST", "S WOLCOTT AVE", "S WOOD ST"])
        #expect(streets.allSatisfy { $0.method == .street && $0.latitude == nil })
        let corners = Self.index.suggest("madison & st")
        #expect(corners.map(\.address) == ["W MADISON ST & N STATE ST"])
        #expect(corners.first?.method == .intersection)
        #expect(Set(Self.index.suggest("Madison and").map(\.address)) == ["W MADISON ST & N STATE ST", "W MADISON ST & N WELLS ST"])
        #expect(Self.index.suggest("", limit: 5).isEmpty && Self.index.suggest("wo", limit: 1).count == 1)
    }
}
