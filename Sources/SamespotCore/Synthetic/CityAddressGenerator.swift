import Foundation

/// A full-city address table made from the sample's known points (issue #20): a big city has
/// about half a million address points, the sample 45 thousand (those its 311 files name). The
/// numbers missing between two known points on one side of a street are placed on the straight
/// line between them, as a city's own table would place the houses between: so the geocoder,
/// the importer and the benchmarks meet a table of a big city's size with the sample's streets.
///
/// Only short gaps are filled (at most `maximumNumberGap` numbers and `maximumMetres` apart),
/// where a street is near enough straight; longer ones are left as they are. When the gaps hold
/// more numbers than asked, an even spread of them is kept, so every street grows alike. No
/// randomness: the same inputs give the same table.
public struct CityAddressGenerator: Sendable {
    public struct Settings: Sendable {
        /// Address points wanted in the table, the known ones included.
        public var points: Int
        /// The widest gap between two known numbers that is filled (Chicago: 800 numbers a mile).
        public var maximumNumberGap = 400
        public var maximumMetres = 900.0
        public init(points: Int) { self.points = points }
    }

    public let known: [AddressPoint]
    public let settings: Settings

    public init(known: [AddressPoint], settings: Settings) {
        self.known = known
        self.settings = settings
    }

    /// The known points, then the placed ones (marked `source = "generated"`), street by street.
    public func points() -> [AddressPoint] {
        let candidates = placeableNumbers()
        let wanted = max(0, settings.points - known.count)
        guard wanted < candidates.count else { return known + candidates }
        // An even spread over every street's gaps: the k-th kept is candidate ⌊k·n/wanted⌋.
        return known + (0..<wanted).map { candidates[$0 * candidates.count / wanted] }
    }

    /// Every number that a filled gap would add, in a fixed order (street, side, number).
    func placeableNumbers() -> [AddressPoint] {
        struct Side: Hashable, Comparable {
            var pre: String, name: String, type: String, post: String, parity: Int
            static func < (a: Side, b: Side) -> Bool { (a.name, a.type, a.pre, a.post, a.parity) < (b.name, b.type, b.pre, b.post, b.parity) }
        }
        var sides: [Side: [AddressPoint]] = [:]
        for point in known where point.houseNumber > 0 {
            let side = Side(pre: point.preDirection, name: point.streetName, type: point.streetType, post: point.postDirection,
                            parity: point.houseNumber % 2)
            sides[side, default: []].append(point)
        }
        var placed: [AddressPoint] = []
        for side in sides.keys.sorted() {
            // One point per number (a suffixed "12 A" shares its number's door with "12").
            var byNumber: [Int: AddressPoint] = [:]
            for point in sides[side]! where byNumber[point.houseNumber] == nil || point.houseNumberSuffix.isEmpty {
                byNumber[point.houseNumber] = point
            }
            let numbers = byNumber.keys.sorted()
            for (low, high) in zip(numbers, numbers.dropFirst()) where high - low > 2 && high - low <= settings.maximumNumberGap {
                let a = byNumber[low]!, b = byNumber[high]!
                guard Self.metres(a, b) <= settings.maximumMetres else { continue }
                for number in stride(from: low + 2, to: high, by: 2) {
                    let t = Double(number - low) / Double(high - low)
                    placed.append(AddressPoint(
                        houseNumber: number, preDirection: a.preDirection, streetName: a.streetName, streetType: a.streetType,
                        postDirection: a.postDirection, zipCode: a.zipCode,
                        longitude: a.longitude + (b.longitude - a.longitude) * t, latitude: a.latitude + (b.latitude - a.latitude) * t,
                        source: "generated"))
                }
            }
        }
        return placed
    }

    /// Metres between two points, on the sphere (the gaps filled are short).
    static func metres(_ a: AddressPoint, _ b: AddressPoint) -> Double {
        let toRadians = Double.pi / 180
        let dLat = (b.latitude - a.latitude) * toRadians
        let dLon = (b.longitude - a.longitude) * toRadians * cos((a.latitude + b.latitude) / 2 * toRadians)
        return 6_371_000 * (dLat * dLat + dLon * dLon).squareRoot()
    }

    public static let header = ["house_number", "house_number_suffix", "pre_direction", "street_name", "street_type", "post_direction",
                                "zip_code", "longitude", "latitude", "source"]

    /// A point as a row of `header`, the layout `samespot import addresses` reads.
    public static func row(_ p: AddressPoint) -> [String] {
        [String(p.houseNumber), p.houseNumberSuffix, p.preDirection, p.streetName, p.streetType, p.postDirection, p.zipCode,
         String(format: "%.7f", p.longitude), String(format: "%.7f", p.latitude), p.source]
    }
}
