/// An address the city itself placed in its own history: a request it filed with both the
/// address as typed and its own coordinates (an imported 311 export). A city's address table
/// lags behind its streets (new buildings, split lots, numbers staff use that the table never
/// had), while its 311 history already knows where those addresses are.
public struct LearnedAddress: Sendable, Equatable {
    /// The address as the city's file wrote it ("4853 S WOOD").
    public var address: String
    public var longitude: Double
    public var latitude: Double
    /// How many requests were filed there at this point (a weight: one stray placement among
    /// many agreeing ones does not move the point).
    public var reports: Int

    public init(address: String, longitude: Double, latitude: Double, reports: Int = 1) {
        self.address = address
        self.longitude = longitude
        self.latitude = latitude
        self.reports = reports
    }
}

extension GeocoderIndex {
    /// How far a learned point may lie from every address point and corner of its street (the
    /// table's, before learning): farther, the city's coordinates for that request were
    /// somewhere else than the address (a call centre's own address, a typo on another street),
    /// and the point is not learned.
    static let learnedPointReach = 250.0

    /// The learned addresses as points on the table's streets: each parsed as the geocoder reads
    /// it, put on the one street of that name whose parts (and, among several, number range) fit,
    /// and placed at the median of its reports. An address the table already has, one whose
    /// street is ambiguous, and one far from its street are left out: the table is never overruled.
    static func learnedPoints(
        _ learned: [LearnedAddress], onto table: [StreetName: [Point]], ranges: [StreetName: (Int, Int)],
        corners: [String: [(longitude: Double, latitude: Double)]]
    ) -> [StreetName: [Point]] {
        guard !learned.isEmpty else { return [:] }
        var namesOf: [String: [StreetName]] = [:]
        var spans: [StreetName: (Int, Int)] = [:]
        var known: [StreetName: Set<String>] = [:]
        for (name, points) in table {
            namesOf[name.name, default: []].append(name)
            let numbers = points.map(\.number)
            let low = min(numbers.min() ?? Int.max, ranges[name]?.0 ?? Int.max)
            let high = max(numbers.max() ?? Int.min, ranges[name]?.1 ?? Int.min)
            if low <= high { spans[name] = (low, high) }
            known[name] = Set(points.map { "\($0.number)|\($0.suffix)" })
        }
        struct Key: Hashable { var street: StreetName; var number: Int; var suffix: String }
        var reports: [Key: [(longitude: Double, latitude: Double, weight: Int)]] = [:]
        for entry in learned where entry.reports > 0 && entry.longitude.isFinite && entry.latitude.isFinite {
            let parsed = AddressNormalizer.parse(entry.address)
            guard parsed.kind == .address, parsed.houseNumberRangeEnd == nil, let number = parsed.houseNumber,
                  let wanted = parsed.street else { continue }
            var fitting = (namesOf[wanted.name] ?? []).filter { s in
                (wanted.preDirection.isEmpty || s.preDirection == wanted.preDirection)
                    && (wanted.postDirection.isEmpty || s.postDirection == wanted.postDirection)
                    && (wanted.type.isEmpty || s.type == wanted.type)
            }
            // Streets of one name are told apart by their numbers; one street alone may gain
            // numbers past its known ones (the city placed them, near the street: checked below).
            if fitting.count > 1 { fitting = fitting.filter { spans[$0].map { $0.0 <= number && number <= $0.1 } ?? false } }
            guard fitting.count == 1, let street = fitting.first else { continue }
            if known[street]?.contains("\(number)|\(parsed.houseNumberSuffix)") == true { continue }
            reports[Key(street: street, number: number, suffix: parsed.houseNumberSuffix), default: []]
                .append((entry.longitude, entry.latitude, entry.reports))
        }
        var points: [StreetName: [Point]] = [:]
        for (key, seen) in reports {
            let longitude = weightedMedian(seen.map { ($0.longitude, $0.weight) })
            let latitude = weightedMedian(seen.map { ($0.latitude, $0.weight) })
            func near(_ lon: Double, _ lat: Double) -> Bool { ReverseGrid.metres(longitude, latitude, lon, lat) <= learnedPointReach }
            guard (table[key.street] ?? []).contains(where: { near($0.longitude, $0.latitude) })
                    || (corners[key.street.full] ?? []).contains(where: { near($0.longitude, $0.latitude) }) else { continue }
            let count = seen.reduce(0) { $0 + $1.weight }
            points[key.street, default: []].append(Point(number: key.number, suffix: key.suffix, longitude: longitude, latitude: latitude,
                                                         id: 0, learnedReports: Int32(clamping: count)))
        }
        return points
    }

    /// The value with half the weight at or below it: robust to a few stray placements.
    static func weightedMedian(_ values: [(value: Double, weight: Int)]) -> Double {
        let sorted = values.sorted { $0.value < $1.value }
        let half = Double(sorted.reduce(0) { $0 + $1.weight }) / 2
        var seen = 0.0
        for entry in sorted {
            seen += Double(entry.weight)
            if seen >= half { return entry.value }
        }
        return sorted.last?.value ?? .nan
    }
}
