#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A city's address grid, learned from its own address points: where each directional prefix's
/// numbers fall along its axis ("4800 S" lies at one latitude on every S street).
///
/// Grid cities (Chicago, and most of the American Midwest and West) number every street by its
/// distance from a baseline, so a number missing from one street is placed by where that number
/// lies on all the others, and the street itself only says where across the axis it runs. The
/// grid is learned, never assumed: each 25-number bin keeps the median position of its points,
/// and only bins whose points agree (their spread within 40 m) are used. A city without a grid
/// has no bin that agrees, and nothing here is used.
struct AddressGrid: Sendable {
    /// Per prefix ("N", "S", "E", "W"): bin centres (numbers) and the median coordinate along the
    /// axis there (latitude for N and S, longitude for E and W), ascending by number.
    struct Axis: Sendable {
        var numbers: [Double]
        var coordinates: [Double]
        /// Metres per degree along this axis (longitude degrees shrink with latitude).
        var metresPerDegree: Double

        /// The coordinate of `number`, between the two nearest reliable bins; nil outside them.
        func coordinate(_ number: Int) -> Double? {
            let n = Double(number)
            guard let first = numbers.first, let last = numbers.last, n >= first, n <= last else { return nil }
            var low = 0, high = numbers.count - 1
            while high - low > 1 {
                let mid = (low + high) / 2
                if numbers[mid] <= n { low = mid } else { high = mid }
            }
            // Two bins far apart in number say nothing reliable about the numbers between them.
            guard numbers[high] - numbers[low] <= 400 else { return nil }
            let t = numbers[high] == numbers[low] ? 0 : (n - numbers[low]) / (numbers[high] - numbers[low])
            return coordinates[low] + t * (coordinates[high] - coordinates[low])
        }
    }

    static let binWidth = 25
    static let maxSpreadMetres = 40.0

    var axes: [String: Axis] = [:]

    init(streets: [GeocoderIndex.Street]) {
        var byPrefix: [String: [Int: [(number: Int, along: Double)]]] = [:]
        var latitudes: [Double] = []
        for street in streets where Self.isAxis(street.name.preDirection) {
            for p in street.points {
                let along = Self.alongLatitude(street.name.preDirection) ? p.latitude : p.longitude
                byPrefix[street.name.preDirection, default: [:]][p.number / Self.binWidth, default: []].append((p.number, along))
                if latitudes.count < 10_000 { latitudes.append(p.latitude) }
            }
        }
        let meanLatitude = latitudes.isEmpty ? 0 : latitudes.reduce(0, +) / Double(latitudes.count)
        for (prefix, bins) in byPrefix {
            let perDegree = Self.alongLatitude(prefix) ? 111_195.0 : 111_195.0 * cos(meanLatitude * .pi / 180)
            var numbers: [Double] = [], coordinates: [Double] = []
            for bin in bins.keys.sorted() {
                let points = bins[bin]!
                guard points.count >= 3 else { continue }
                let values = points.map(\.along).sorted()
                let median = values[values.count / 2]
                // The spread: the median distance of the bin's points from their median.
                let deviations = values.map { abs($0 - median) * perDegree }.sorted()
                guard deviations[deviations.count / 2] <= Self.maxSpreadMetres else { continue }
                // The bin's own median number, not its middle: its points need not spread evenly.
                let numbersInBin = points.map(\.number).sorted()
                numbers.append(Double(numbersInBin[numbersInBin.count / 2]))
                coordinates.append(median)
            }
            if numbers.count >= 2 { axes[prefix] = Axis(numbers: numbers, coordinates: coordinates, metresPerDegree: perDegree) }
        }
    }

    static func isAxis(_ prefix: String) -> Bool { ["N", "S", "E", "W"].contains(prefix) }
    static func alongLatitude(_ prefix: String) -> Bool { prefix == "N" || prefix == "S" }
}

extension GeocoderIndex {
    /// `number` on `street` by the city's grid: along the axis where the grid puts the number,
    /// corrected by how far the street's own nearest numbers sit from the grid; across it, where
    /// the street runs there (its points on the number's side, else any of its points, else its
    /// corners). Nil when the grid does not cover the number, or the street does not follow it.
    func gridSpot(_ number: Int, on street: Street) -> Spot? {
        let prefix = street.name.preDirection
        guard let axis = grid.axes[prefix], let gridded = axis.coordinate(number) else { return nil }
        let alongLatitude = AddressGrid.alongLatitude(prefix)
        func along(_ lon: Double, _ lat: Double) -> Double { alongLatitude ? lat : lon }
        func across(_ lon: Double, _ lat: Double) -> Double { alongLatitude ? lon : lat }

        // The street's own offset from the grid near the number, interpolated between its
        // nearest known numbers below and above (within 800): a street that bends away from the
        // grid for a stretch is followed; one that strays far (a numbering of its own) is left.
        func residual(_ p: Point) -> Double? { axis.coordinate(p.number).map { along(p.longitude, p.latitude) - $0 } }
        let below = street.points.last { $0.number < number && number - $0.number <= 800 && residual($0) != nil }
        let above = street.points.first { $0.number > number && $0.number - number <= 800 && residual($0) != nil }
        var offset = 0.0
        switch (below, above) {
        case let (b?, a?):
            let t = Double(number - b.number) / Double(a.number - b.number)
            offset = residual(b)! + t * (residual(a)! - residual(b)!)
        case let (b?, nil): offset = residual(b)!
        case let (nil, a?): offset = residual(a)!
        case (nil, nil): break
        }
        guard abs(offset) * axis.metresPerDegree <= 250 else { return nil }
        let position = gridded + offset

        // Across: the street's points on the number's side, else all of them, else its corners,
        // interpolated (or held) at `position` along the axis.
        let sameSide = street.points.filter { ($0.number - number) % 2 == 0 }.map { (along($0.longitude, $0.latitude), across($0.longitude, $0.latitude)) }
        let anyPoint = street.points.map { (along($0.longitude, $0.latitude), across($0.longitude, $0.latitude)) }
        let corners = (streetCorners[street.name.full] ?? []).map { (along($0.longitude, $0.latitude), across($0.longitude, $0.latitude)) }
        var source = "its known addresses"
        var crossing: Double?
        for (anchors, label) in [(sameSide, "its addresses on that side"), (anyPoint, "its known addresses"), (corners, "its corners")] {
            if let c = Self.crossing(at: position, anchors, reach: 2_500 / axis.metresPerDegree) { crossing = c; source = label; break }
        }
        guard let crossing else { return nil }
        let (lon, lat) = alongLatitude ? (crossing, position) : (position, crossing)
        return Spot(method: .interpolated, longitude: lon, latitude: lat, confidence: 0.8, id: nil, suffixText: "",
                    reasons: ["placed by the city's address grid (\(prefix) numbers) and where \(street.name.full) runs, from \(source)"])
    }

    /// The cross-axis coordinate at `position`: between the nearest anchors on either side of it,
    /// or that of the nearest one within `reach` (a straight street keeps its line).
    static func crossing(at position: Double, _ anchors: [(along: Double, across: Double)], reach: Double) -> Double? {
        var below: (along: Double, across: Double)?, above: (along: Double, across: Double)?
        for a in anchors {
            if a.along <= position, position - a.along <= reach, a.along > (below?.along ?? -.infinity) { below = a }
            if a.along >= position, a.along - position <= reach, a.along < (above?.along ?? .infinity) { above = a }
        }
        switch (below, above) {
        case let (b?, a?):
            if a.along == b.along { return (a.across + b.across) / 2 }
            return b.across + (position - b.along) / (a.along - b.along) * (a.across - b.across)
        case let (b?, nil): return b.across
        case let (nil, a?): return a.across
        case (nil, nil): return nil
        }
    }
}
