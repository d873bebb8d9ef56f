#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The city's address table held in memory for geocoding, built from PostgreSQL at start-up
/// (PostgreSQL stays the source of truth; a refresh builds a new index and swaps it in).
///
/// Matching runs in this order, and each answer names its method and a confidence:
/// exact address point → nearest numbers on the same side of the same street (interpolated,
/// or snapped past the end) → a corrected street name (edit distance against the city's own
/// street list) → the corner of two streets → none, with candidates. A missing directional is
/// filled in only when one street fits the number; when several fit, they are listed, not guessed.
public final class GeocoderIndex: Sendable {
    struct Point: Sendable {
        var number: Int
        var suffix: String
        var longitude: Double
        var latitude: Double
        /// Its id in the address table; 0 for a learned point.
        var id: Int64
        /// For a point learned from the city's history, not in its table: how many requests
        /// placed it (`LearnedAddress`); 0 for the table's own points.
        var learnedReports: Int32 = 0

        var isLearned: Bool { learnedReports > 0 }
    }

    /// One street (direction + name + type) and its address points, sorted by number.
    struct Street: Sendable {
        var name: StreetName
        var points: [Point]
        var minNumber: Int
        var maxNumber: Int
        /// Position as a straight-line function of the house number, when the street's points
        /// lie on one (most city streets): for numbers with no known neighbour close by.
        /// One line per side of the street: even numbers, odd numbers.
        var lines: [NumberLine?]
    }

    struct Corner: Sendable {
        var first: StreetName
        var second: StreetName
        var longitude: Double
        var latitude: Double
    }

    /// Streets by bare name ("63RD"): every direction and type of that name.
    let streets: [String: [Street]]
    /// Corners by the pair of bare names, in sorted order.
    let corners: [String: [Corner]]
    /// Each street's corners (by its full name): where it runs, even where it has no address.
    let streetCorners: [String: [(longitude: Double, latitude: Double)]]
    /// The city's address grid, learned from its points.
    let grid: AddressGrid
    /// Bare names by length, for the fuzzy pass.
    private let namesByLength: [Int: [[UInt8]]]
    private let reverseGrid: ReverseGrid
    /// Address points by their id in the address table (Open311's `address_id`).
    private let byID: [Int64: (StreetName, Point)]
    public let addressCount: Int
    /// Points learned from the city's history that the table lacks.
    public let learnedCount: Int

    /// How far apart two known numbers may be for a number between them to be interpolated.
    /// Chicago numbers 800 to the mile, so 400 is half a mile.
    public let maxInterpolationGap: Int
    /// How far past the last known number a number may be snapped to it.
    public let maxSnapGap: Int

    /// - Parameter learned: addresses the city placed in its own history; each one the table
    ///   lacks becomes a point of its street (see `LearnedAddress`), answered as `learned` and
    ///   used to place its neighbours, never as an address id.
    public init(addresses: [(id: Int64, point: AddressPoint)], streets streetList: [StreetRecord] = [],
                intersections: [IntersectionRecord] = [], learned: [LearnedAddress] = [],
                maxInterpolationGap: Int = 400, maxSnapGap: Int = 100) {
        var grouped: [StreetName: [Point]] = [:]
        for (id, a) in addresses {
            let name = StreetName(preDirection: a.preDirection, name: a.streetName, type: a.streetType, postDirection: a.postDirection)
            grouped[name, default: []].append(Point(number: a.houseNumber, suffix: a.houseNumberSuffix,
                                                    longitude: a.longitude, latitude: a.latitude, id: id))
        }
        var ranges: [StreetName: (Int, Int)] = [:]
        for s in streetList {
            let name = StreetName(preDirection: s.preDirection, name: s.streetName, type: s.streetType, postDirection: s.postDirection)
            if let low = s.minAddress, let high = s.maxAddress { ranges[name] = (low, high) }
            if grouped[name] == nil { grouped[name] = [] }
        }
        var cornerIndex: [String: [Corner]] = [:]
        for i in intersections {
            guard let first = AddressNormalizer.street(from: AddressNormalizer.tokenize(i.street1)),
                  let second = AddressNormalizer.street(from: AddressNormalizer.tokenize(i.street2)) else { continue }
            cornerIndex[Self.cornerKey(first.name, second.name), default: []]
                .append(Corner(first: first, second: second, longitude: i.longitude, latitude: i.latitude))
        }
        self.corners = cornerIndex
        var onStreet: [String: [(longitude: Double, latitude: Double)]] = [:]
        for corner in cornerIndex.values.joined() {
            onStreet[corner.first.full, default: []].append((corner.longitude, corner.latitude))
            onStreet[corner.second.full, default: []].append((corner.longitude, corner.latitude))
        }
        self.streetCorners = onStreet
        for (name, points) in Self.learnedPoints(learned, onto: grouped, ranges: ranges, corners: onStreet) {
            grouped[name, default: []] += points
        }
        var byName: [String: [Street]] = [:]
        for (name, points) in grouped {
            let sorted = points.sorted { ($0.number, $0.suffix) < ($1.number, $1.suffix) }
            let listed = ranges[name]
            let low = min(sorted.first?.number ?? Int.max, listed?.0 ?? Int.max)
            let high = max(sorted.last?.number ?? Int.min, listed?.1 ?? Int.min)
            byName[name.name, default: []].append(Street(name: name, points: sorted, minNumber: low, maxNumber: high,
                                                         lines: [NumberLine(fitting: sorted.filter { $0.number % 2 == 0 }),
                                                                 NumberLine(fitting: sorted.filter { $0.number % 2 != 0 })]))
        }
        for key in byName.keys { byName[key]!.sort { $0.name.full < $1.name.full } }
        self.streets = byName
        self.grid = AddressGrid(streets: Array(byName.values.joined()))

        var names = Set(byName.keys)
        for corner in cornerIndex.values.joined() { names.insert(corner.first.name); names.insert(corner.second.name) }
        var byLength: [Int: [[UInt8]]] = [:]
        for name in names.sorted() { byLength[name.utf8.count, default: []].append(Array(name.utf8)) }
        self.namesByLength = byLength
        self.addressCount = addresses.count
        self.learnedCount = byName.values.joined().reduce(0) { $0 + $1.points.count { $0.isLearned } }
        self.maxInterpolationGap = maxInterpolationGap
        self.maxSnapGap = maxSnapGap
        // Reverse geocoding and address ids answer with the table's own addresses only.
        let located = byName.values.joined().flatMap { street in street.points.filter { !$0.isLearned }.map { (street.name, $0) } }
        self.reverseGrid = ReverseGrid(located)
        self.byID = Dictionary(located.map { ($0.1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func cornerKey(_ a: String, _ b: String) -> String { a < b ? "\(a)|\(b)" : "\(b)|\(a)" }

    // MARK: Forward

    public func geocode(_ input: String) -> GeocodeResult {
        let parsed = AddressNormalizer.parse(input)
        let normalized = parsed.normalized
        switch parsed.kind {
        case .empty:
            return .none(input, normalized, reasons: ["no street could be read from the text"])
        case .intersection:
            return geocodeCorner(parsed, input: input)
        case .street, .address:
            return geocodeAddress(parsed, input: input)
        }
    }

    private func geocodeAddress(_ parsed: ParsedAddress, input: String) -> GeocodeResult {
        let normalized = parsed.normalized
        guard let wanted = parsed.street else { return .none(input, normalized, reasons: ["no street could be read from the text"]) }
        var reasons: [String] = []
        var confidence = 1.0
        let names = resolveName(wanted.name)
        guard !names.isEmpty else {
            return .none(input, normalized, reasons: ["no street named \(wanted.name) in the city"])
        }
        if names.count > 1 {
            return .none(input, normalized, reasons: ["street name \(wanted.name) is close to several streets"],
                         candidates: names.map { .init(address: $0, longitude: nil, latitude: nil) })
        }
        let name = names[0]
        if name != wanted.name {
            reasons.append("street name \(wanted.name) read as \(name)")
            confidence *= 0.9
        }
        var variants = (streets[name] ?? []).filter { s in
            (wanted.preDirection.isEmpty || s.name.preDirection == wanted.preDirection)
                && (wanted.postDirection.isEmpty || s.name.postDirection == wanted.postDirection)
        }
        if !wanted.type.isEmpty {
            let sameType = variants.filter { $0.name.type == wanted.type }
            if sameType.isEmpty, !variants.isEmpty {
                reasons.append("no \(wanted.name) \(wanted.type); other types of \(name) considered")
                confidence *= 0.9
            } else {
                variants = sameType
            }
        }
        guard !variants.isEmpty else {
            let all = (streets[name] ?? []).map { GeocodeResult.Candidate(address: $0.name.full, longitude: nil, latitude: nil) }
            return .none(input, normalized, reasons: reasons + ["no street \(wanted.full) in the city"], candidates: all)
        }

        guard let number = parsed.houseNumber else {
            return streetOnly(variants, input: input, normalized: normalized, reasons: reasons + ["no house number"], confidence: confidence)
        }
        var fitting = variants.filter { $0.minNumber <= number && number <= $0.maxNumber }
        if fitting.isEmpty {
            return .none(input, normalized, reasons: reasons + ["\(number) is outside the numbers of \(variants.map(\.name.full).joined(separator: ", "))"],
                         candidates: variants.map { .init(address: "\($0.minNumber)–\($0.maxNumber) \($0.name.full)", longitude: nil, latitude: nil) })
        }
        if fitting.count > 1 {
            // Prefer the one street that has this very address.
            let exact = fitting.filter { s in s.points.contains { $0.number == number } }
            if exact.count == 1 { fitting = exact }
        }
        if fitting.count > 1, Set(fitting.map(\.name.preDirection)).count == 1 {
            // Same direction, different types ("W 63RD ST", "W 63RD PL"): if only one of them
            // has known addresses near the number, that is the one meant.
            let placeable = fitting.filter { locate(number, suffix: parsed.houseNumberSuffix, on: $0) != nil }
            if placeable.count == 1 { fitting = placeable }
        }
        if fitting.count > 1 {
            let candidates = fitting.map { s -> GeocodeResult.Candidate in
                let spot = locate(number, suffix: parsed.houseNumberSuffix, on: s)
                return .init(address: "\(number) \(s.name.full)", longitude: spot?.longitude, latitude: spot?.latitude)
            }
            return .none(input, normalized, reasons: reasons + ["\(number) \(wanted.full) fits \(fitting.count) streets; say which"],
                         candidates: candidates)
        }
        let street = fitting[0]
        if wanted.preDirection.isEmpty, !street.name.preDirection.isEmpty {
            reasons.append("direction \(street.name.preDirection) added: the only \(name) with number \(number)")
            confidence *= 0.95
        }
        if wanted.type.isEmpty, !street.name.type.isEmpty, variants.count > 1 {
            reasons.append("street type \(street.name.type) added")
        }
        guard let spot = locate(number, suffix: parsed.houseNumberSuffix, on: street) else {
            return streetOnly([street], input: input, normalized: normalized,
                              reasons: reasons + ["no address near \(number) on \(street.name.full) to place it by"], confidence: confidence)
        }
        reasons += spot.reasons
        let matched = spot.method == .addressPoint || spot.method == .learned
            ? "\(number)\(spot.suffixText) \(street.name.full)" : "\(number) \(street.name.full)"
        return GeocodeResult(
            input: input, normalized: normalized, method: spot.method,
            precision: spot.method == .addressPoint ? .addressPoint : .interpolated,
            confidence: confidence * spot.confidence, longitude: spot.longitude, latitude: spot.latitude,
            matched: matched, addressID: spot.id, block: Self.block(number, street.name),
            unit: parsed.unit.isEmpty ? nil : parsed.unit, reasons: reasons, candidates: [])
    }

    struct Spot {
        var method: GeocodeResult.Method
        var longitude: Double
        var latitude: Double
        var confidence: Double
        var id: Int64?
        var suffixText: String
        var reasons: [String]
    }

    /// Where `number` is on `street`: its own point, or between (or just past) its neighbours
    /// on the same side (same parity), or, lacking those, the other side's.
    func locate(_ number: Int, suffix: String, on street: Street) -> Spot? {
        let points = street.points
        // A street with no known address may still be placed by the grid and its corners.
        guard !points.isEmpty else { return gridSpot(number, on: street) }
        // First point with number >= n.
        var low = 0, high = points.count
        while low < high {
            let mid = (low + high) / 2
            if points[mid].number < number { low = mid + 1 } else { high = mid }
        }
        // This number's own point: the table's with this suffix, else one the city's history
        // placed with this suffix, else the table's with another suffix.
        var i = low
        var sameNumber: Point?, learnedHere: Point?
        while i < points.count, points[i].number == number {
            let p = points[i]
            if p.isLearned {
                if p.suffix == suffix { learnedHere = p }
            } else if sameNumber == nil || (p.suffix == suffix && sameNumber?.suffix != suffix) {
                sameNumber = p  // the first of the table's, unless a later one has this suffix
            }
            i += 1
        }
        if let p = learnedHere, sameNumber?.suffix != suffix {
            return Spot(method: .learned, longitude: p.longitude, latitude: p.latitude, confidence: 0.9, id: nil,
                        suffixText: ParsedAddress.suffixText(p.suffix),
                        reasons: ["not in the address table; where the city placed \(p.learnedReports) earlier request\(p.learnedReports == 1 ? "" : "s") at it"])
        }
        if let p = sameNumber {
            let exactSuffix = p.suffix == suffix
            return Spot(method: .addressPoint, longitude: p.longitude, latitude: p.latitude,
                        confidence: exactSuffix ? 1 : 0.95, id: p.id,
                        suffixText: ParsedAddress.suffixText(p.suffix),
                        reasons: exactSuffix ? [] : ["no \(number)\(suffix); \(number)\(p.suffix) used"])
        }
        // Neighbours a few numbers apart on the same side: a straight line between them is as
        // good as anything (lots on one block are evenly spaced).
        let fitsSide: (Point) -> Bool = { ($0.number - number) % 2 == 0 }
        let belowSame = points[..<low].last(where: fitsSide), aboveSame = points[low...].first(where: fitsSide)
        if let b = belowSame, let a = aboveSame, a.number - b.number <= Self.closeGap {
            return Self.between(b, a, number, street, confidence: 0.9, reasons: [])
        }
        // Otherwise the street's own line near the number, from every known point on both sides
        // and offset to the number's side: follows a bend and evens out uneven lots. Past the
        // last known number the city's grid says better where the street's blocks fall; the
        // line carries on where there is no grid.
        let local = LocalNumberLine(points: points, around: low, number: number, window: maxInterpolationGap)
        if let local, number >= local.minNumber, number <= local.maxNumber {
            let (lon, lat) = local.position(number)
            return Spot(method: .interpolated, longitude: lon, latitude: lat, confidence: 0.85, id: nil, suffixText: "",
                        reasons: ["on \(street.name.full)'s line through \(local.count) known numbers near it"])
        }
        if let spot = gridSpot(number, on: street) { return spot }
        if let local, local.reaches(number, slack: maxSnapGap) {
            let (lon, lat) = local.position(number)
            return Spot(method: .interpolated, longitude: lon, latitude: lat, confidence: 0.75, id: nil, suffixText: "",
                        reasons: ["along \(street.name.full)'s line past \(local.nearestEnd(number)), the last known number"])
        }
        for sameSide in [true, false] {
            let fits: (Point) -> Bool = { !sameSide || ($0.number - number) % 2 == 0 }
            let below = points[..<low].last(where: fits)
            let above = points[low...].first(where: fits)
            let side = sameSide ? [] : ["no address on the same side of the street nearby; the other side used"]
            let sideFactor = sameSide ? 1.0 : 0.8
            if let b = below, let a = above, a.number - b.number <= maxInterpolationGap {
                return Self.between(b, a, number, street, confidence: 0.85 * sideFactor, reasons: side)
            }
            if sameSide, let line = street.lines[abs(number) % 2], line.covers(number, slack: maxInterpolationGap) {
                let (lon, lat) = line.position(number)
                return Spot(method: .interpolated, longitude: lon, latitude: lat, confidence: 0.75, id: nil, suffixText: "",
                            reasons: ["placed on \(street.name.full)'s number line (no known number within \(maxInterpolationGap))"])
            }
            let nearest = [below, above].compactMap { $0 }.min { abs($0.number - number) < abs($1.number - number) }
            if let n = nearest, abs(n.number - number) <= maxSnapGap {
                return Spot(method: .snapped, longitude: n.longitude, latitude: n.latitude,
                            confidence: 0.7 * sideFactor, id: nil, suffixText: "",
                            reasons: side + ["at \(n.number) \(street.name.full), the nearest known number"])
            }
        }
        return nil
    }

    /// How far apart two same-side numbers may be for the straight line between them to be used
    /// before the street's local line is tried.
    static let closeGap = 20

    private static func between(_ b: Point, _ a: Point, _ number: Int, _ street: Street, confidence: Double, reasons: [String]) -> Spot {
        let t = Double(number - b.number) / Double(a.number - b.number)
        return Spot(method: .interpolated, longitude: b.longitude + t * (a.longitude - b.longitude),
                    latitude: b.latitude + t * (a.latitude - b.latitude), confidence: confidence, id: nil, suffixText: "",
                    reasons: reasons + ["between \(b.number) and \(a.number) \(street.name.full)"])
    }

    private func streetOnly(_ variants: [Street], input: String, normalized: String, reasons: [String], confidence: Double) -> GeocodeResult {
        // A street alone has no spot: its middle point is given for a map, never for merging.
        let withPoints = variants.filter { !$0.points.isEmpty }
        var result = GeocodeResult.none(input, normalized, reasons: reasons)
        result.method = .street
        result.precision = .street
        result.confidence = 0.3 * confidence
        if withPoints.count == 1, let street = withPoints.first {
            let middle = street.points[street.points.count / 2]
            result.longitude = middle.longitude
            result.latitude = middle.latitude
            result.matched = street.name.full
        } else {
            result.candidates = variants.map { .init(address: $0.name.full, longitude: nil, latitude: nil) }
        }
        return result
    }

    private func geocodeCorner(_ parsed: ParsedAddress, input: String) -> GeocodeResult {
        let normalized = parsed.normalized
        guard let a = parsed.street, let b = parsed.crossStreet else { return .none(input, normalized, reasons: ["two streets are needed"]) }
        var reasons: [String] = []
        var confidence = 0.9
        let firstNames = resolveName(a.name), secondNames = resolveName(b.name)
        guard let first = firstNames.first, let second = secondNames.first, firstNames.count == 1, secondNames.count == 1 else {
            return .none(input, normalized, reasons: ["one of the streets is not in the city: \(a.name), \(b.name)"])
        }
        for (given, found) in [(a.name, first), (b.name, second)] where given != found {
            reasons.append("street name \(given) read as \(found)")
            confidence *= 0.9
        }
        let all = corners[Self.cornerKey(first, second)] ?? []
        func agrees(_ s: StreetName, _ wanted: StreetName) -> Bool {
            (wanted.preDirection.isEmpty || s.preDirection == wanted.preDirection) && (wanted.type.isEmpty || s.type == wanted.type)
        }
        let matching = all.filter { c in
            (c.first.name == first ? (agrees(c.first, a) && agrees(c.second, b)) : (agrees(c.second, a) && agrees(c.first, b)))
        }
        let found = matching.isEmpty ? all : matching
        if matching.isEmpty, !all.isEmpty { reasons.append("directions or types given do not match; corners of \(first) and \(second) considered") }
        guard !found.isEmpty else {
            return .none(input, normalized, reasons: reasons + ["\(first) and \(second) do not meet in the city's corner list"])
        }
        // One corner, or several records of the same corner (within 50 m): answer their middle.
        let lon = found.map(\.longitude).reduce(0, +) / Double(found.count)
        let lat = found.map(\.latitude).reduce(0, +) / Double(found.count)
        let spread = found.map { ReverseGrid.metres(lon, lat, $0.longitude, $0.latitude) }.max() ?? 0
        if spread > 50 {
            return .none(input, normalized, reasons: reasons + ["\(first) and \(second) meet at \(found.count) places; say which"],
                         candidates: found.map { .init(address: "\($0.first.full) & \($0.second.full)", longitude: $0.longitude, latitude: $0.latitude) })
        }
        let c = found[0]
        return GeocodeResult(input: input, normalized: normalized, method: .intersection, precision: .intersection,
                             confidence: confidence, longitude: lon, latitude: lat,
                             matched: "\(c.first.full) & \(c.second.full)", addressID: nil, block: nil, unit: nil,
                             reasons: reasons, candidates: [])
    }

    /// The city's street names for a typed name: itself if known, else the closest by edit
    /// distance (at most 1 for short names, 2 from 8 letters); several when tied.
    func resolveName(_ name: String) -> [String] {
        if streets[name] != nil { return [name] }
        let bytes = Array(name.utf8)
        if namesByLength[bytes.count]?.contains(bytes) == true { return [name] }
        let limit = bytes.count >= 8 ? 2 : (bytes.count >= 4 ? 1 : 0)
        guard limit > 0 else { return [] }
        var best = Int.max
        var found: [String] = []
        for length in (bytes.count - limit)...(bytes.count + limit) {
            for candidate in namesByLength[length] ?? [] {
                guard let d = editDistance(bytes, candidate, limit: min(limit, best)) else { continue }
                let text = String(decoding: candidate, as: UTF8.self)
                if d < best { best = d; found = [text] } else if d == best { found.append(text) }
            }
        }
        return found
    }

    /// "1234 W 63RD ST" → "1200 W 63RD ST".
    public static func block(_ number: Int, _ street: StreetName) -> String {
        "\(number / 100 * 100) \(street.full)"
    }

    // MARK: Reverse

    /// The nearest address point within `maxDistance` metres.
    public func reverse(longitude: Double, latitude: Double, maxDistance: Double = 500) -> ReverseGeocodeResult? {
        guard let (street, point, distance) = reverseGrid.nearest(longitude: longitude, latitude: latitude, maxDistance: maxDistance) else {
            return nil
        }
        return Self.answer(street, point, distance: distance)
    }

    private static func answer(_ street: StreetName, _ point: Point, distance: Double) -> ReverseGeocodeResult {
        return ReverseGeocodeResult(address: "\(point.number)\(ParsedAddress.suffixText(point.suffix)) \(street.full)", addressID: point.id,
                                    longitude: point.longitude, latitude: point.latitude, distanceMetres: distance,
                                    block: block(point.number, street))
    }

    /// The address point with this id in the city's address table, if it is loaded.
    public func address(id: Int64) -> ReverseGeocodeResult? {
        guard let (street, point) = byID[id] else { return nil }
        return Self.answer(street, point, distance: 0)
    }

    /// Bytes held, roughly: points, streets and the reverse grid (for the memory figure).
    public var approximateBytes: Int {
        let pointBytes = MemoryLayout<Point>.stride + 16
        let points = streets.values.joined().reduce(0) { $0 + $1.points.count }
        return points * pointBytes * 2 + streets.count * 128 + corners.count * 160
    }
}

/// A street's position as a linear function of its house numbers, fitted by least squares,
/// kept only when the points lie within 15 m of the line (root mean square: a straight, evenly
/// numbered street).
struct NumberLine: Sendable {
    var lonIntercept, lonSlope, latIntercept, latSlope: Double
    var minNumber, maxNumber: Int

    init?(fitting points: [GeocoderIndex.Point]) {
        guard points.count >= 4, let first = points.first, let last = points.last, last.number > first.number else { return nil }
        let n = Double(points.count)
        let meanN = points.reduce(0.0) { $0 + Double($1.number) } / n
        let meanLon = points.reduce(0.0) { $0 + $1.longitude } / n
        let meanLat = points.reduce(0.0) { $0 + $1.latitude } / n
        var sNN = 0.0, sNLon = 0.0, sNLat = 0.0
        for p in points {
            let dn = Double(p.number) - meanN
            sNN += dn * dn
            sNLon += dn * (p.longitude - meanLon)
            sNLat += dn * (p.latitude - meanLat)
        }
        guard sNN > 0 else { return nil }
        lonSlope = sNLon / sNN
        latSlope = sNLat / sNN
        lonIntercept = meanLon - lonSlope * meanN
        latIntercept = meanLat - latSlope * meanN
        minNumber = first.number
        maxNumber = last.number
        var squares = 0.0
        for p in points {
            let (lon, lat) = position(p.number)
            let d = ReverseGrid.metres(lon, lat, p.longitude, p.latitude)
            squares += d * d
        }
        if (squares / n).squareRoot() > 15 { return nil }
    }

    func position(_ number: Int) -> (Double, Double) {
        (lonIntercept + lonSlope * Double(number), latIntercept + latSlope * Double(number))
    }

    /// Within the fitted numbers, or past them by at most `slack`.
    func covers(_ number: Int, slack: Int) -> Bool {
        number >= minNumber - slack && number <= maxNumber + slack
    }
}

/// A street's line near one house number: position as a straight function of the number,
/// fitted by weighted least squares to the known points around it on both sides of the street
/// (nearer numbers weigh more), then moved to the number's side by how far that side's points
/// sit from the line. Kept only when the points lie close to it (a straight stretch).
struct LocalNumberLine {
    var lonIntercept, lonSlope, latIntercept, latSlope: Double
    /// The side's offset from the centre line, in degrees.
    var sideLon = 0.0, sideLat = 0.0
    var minNumber, maxNumber, count: Int

    /// The points at most `window` numbers from `number`, up to 8 on each side of it in the
    /// sorted list; nil when they are too few, or do not lie on a line within 12 m.
    init?(points: [GeocoderIndex.Point], around index: Int, number: Int, window: Int) {
        var used: [GeocoderIndex.Point] = []
        var i = index - 1
        while i >= 0, used.count < 8, number - points[i].number <= window { used.append(points[i]); i -= 1 }
        var below = used.count
        i = index
        while i < points.count, used.count < below + 8, points[i].number - number <= window { used.append(points[i]); i += 1 }
        below = min(below, used.count)
        let numbers = Set(used.map(\.number))
        guard used.count >= 3, numbers.count >= 2 else { return nil }
        // A weight that halves 100 numbers (about one block) away.
        let weights = used.map { 1 / (1 + pow(Double(abs($0.number - number)) / 100, 2)) }
        let w = weights.reduce(0, +)
        var meanN = 0.0, meanLon = 0.0, meanLat = 0.0
        for (p, wt) in zip(used, weights) { meanN += wt * Double(p.number); meanLon += wt * p.longitude; meanLat += wt * p.latitude }
        meanN /= w; meanLon /= w; meanLat /= w
        var sNN = 0.0, sNLon = 0.0, sNLat = 0.0
        for (p, wt) in zip(used, weights) {
            let dn = Double(p.number) - meanN
            sNN += wt * dn * dn; sNLon += wt * dn * (p.longitude - meanLon); sNLat += wt * dn * (p.latitude - meanLat)
        }
        guard sNN > 0 else { return nil }
        lonSlope = sNLon / sNN; latSlope = sNLat / sNN
        lonIntercept = meanLon - lonSlope * meanN; latIntercept = meanLat - latSlope * meanN
        minNumber = used.map(\.number).min()!; maxNumber = used.map(\.number).max()!
        count = used.count
        // Each side's mean offset from the centre line; the number's side takes its own, or the
        // other side's mirrored when it has no point of its own here.
        var offsets: [[(Double, Double, Double)]] = [[], []]
        for (p, wt) in zip(used, weights) {
            offsets[abs(p.number) % 2].append((wt, p.longitude - (lonIntercept + lonSlope * Double(p.number)),
                                               p.latitude - (latIntercept + latSlope * Double(p.number))))
        }
        func mean(_ o: [(Double, Double, Double)]) -> (Double, Double)? {
            let w = o.reduce(0) { $0 + $1.0 }
            return w > 0 ? (o.reduce(0) { $0 + $1.0 * $1.1 } / w, o.reduce(0) { $0 + $1.0 * $1.2 } / w) : nil
        }
        let mine = mean(offsets[abs(number) % 2]), theirs = mean(offsets[1 - abs(number) % 2])
        if let mine { (sideLon, sideLat) = mine } else if let theirs { (sideLon, sideLat) = (-theirs.0, -theirs.1) }
        // The fit, sides apart, must be straight: the weighted root mean square distance of the
        // points from their side's line within 12 m.
        var squares = 0.0
        for (p, wt) in zip(used, weights) {
            let side = mean(offsets[abs(p.number) % 2]) ?? (0, 0)
            let d = ReverseGrid.metres(lonIntercept + lonSlope * Double(p.number) + side.0, latIntercept + latSlope * Double(p.number) + side.1,
                                       p.longitude, p.latitude)
            squares += wt * d * d
        }
        if (squares / w).squareRoot() > 12 { return nil }
    }

    func position(_ number: Int) -> (Double, Double) {
        (lonIntercept + lonSlope * Double(number) + sideLon, latIntercept + latSlope * Double(number) + sideLat)
    }

    /// Between its numbers, or past the nearer end by at most `slack`.
    func reaches(_ number: Int, slack: Int) -> Bool { number >= minNumber - slack && number <= maxNumber + slack }

    func nearestEnd(_ number: Int) -> Int { number < minNumber ? minNumber : maxNumber }
}

/// A hash grid over address points in local metres, for nearest-address look-ups.
struct ReverseGrid: Sendable {
    static let cellMetres = 100.0
    private let cells: [Int64: [(StreetName, GeocoderIndex.Point)]]
    private let originLatitude: Double

    init(_ points: [(StreetName, GeocoderIndex.Point)]) {
        let meanLatitude = points.isEmpty ? 0 : points.map(\.1.latitude).reduce(0, +) / Double(points.count)
        originLatitude = meanLatitude
        var cells: [Int64: [(StreetName, GeocoderIndex.Point)]] = [:]
        for entry in points {
            cells[Self.key(Self.cell(entry.1.longitude, entry.1.latitude, meanLatitude)), default: []].append(entry)
        }
        self.cells = cells
    }

    /// Equirectangular metres: within a city (tens of km) this is within centimetres of the
    /// geodesic for the short distances asked here.
    static func metres(_ lon1: Double, _ lat1: Double, _ lon2: Double, _ lat2: Double) -> Double {
        let metresPerDegree = 111_195.0
        let x = (lon2 - lon1) * cos((lat1 + lat2) / 2 * .pi / 180) * metresPerDegree
        let y = (lat2 - lat1) * metresPerDegree
        return (x * x + y * y).squareRoot()
    }

    static func cell(_ lon: Double, _ lat: Double, _ originLatitude: Double) -> (Int, Int) {
        let x = lon * cos(originLatitude * .pi / 180) * 111_195.0 / cellMetres
        let y = lat * 111_195.0 / cellMetres
        return (Int(x.rounded(.down)), Int(y.rounded(.down)))
    }

    static func key(_ c: (Int, Int)) -> Int64 { Int64(c.0) << 32 ^ Int64(UInt32(bitPattern: Int32(truncatingIfNeeded: c.1))) }

    func nearest(longitude: Double, latitude: Double, maxDistance: Double) -> (StreetName, GeocoderIndex.Point, Double)? {
        guard longitude.isFinite, latitude.isFinite else { return nil }
        let center = Self.cell(longitude, latitude, originLatitude)
        var best: (StreetName, GeocoderIndex.Point, Double)?
        let maxRing = Int((maxDistance / Self.cellMetres).rounded(.up)) + 1
        for ring in 0...maxRing {
            // Every point in ring r is at least (r - 1) cells away: stop once that beats the best.
            if let b = best, Double(ring - 1) * Self.cellMetres > b.2 { break }
            for dx in -ring...ring {
                for dy in -ring...ring where max(abs(dx), abs(dy)) == ring {
                    for (street, point) in cells[Self.key((center.0 + dx, center.1 + dy))] ?? [] {
                        let d = Self.metres(longitude, latitude, point.longitude, point.latitude)
                        if d <= maxDistance, d < best?.2 ?? .infinity { best = (street, point, d) }
                    }
                }
            }
        }
        return best
    }
}
