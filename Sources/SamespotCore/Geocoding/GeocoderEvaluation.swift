/// Measures the geocoder against coordinates the city itself gave: the share matched, the
/// share within 30 m, and the median error, overall and by method.
public struct GeocoderEvaluation: Sendable, CustomStringConvertible {
    public struct Sample: Sendable {
        public var address: String
        public var longitude: Double
        public var latitude: Double
        /// When the city filed it ("2012-03-04"; "" when unknown): what history it may learn from.
        public var day: String
        public init(address: String, longitude: Double, latitude: Double, day: String = "") {
            self.address = address
            self.longitude = longitude
            self.latitude = latitude
            self.day = day
        }
    }

    public var label: String
    public var total = 0
    public var matched = 0
    public var within30m = 0
    public var errors: [Double] = []
    public var byMethod: [GeocodeResult.Method: Int] = [:]
    /// Of each method's answers, how many were within 30 m.
    public var within30mByMethod: [GeocodeResult.Method: Int] = [:]
    public var worst: [(String, GeocodeResult.Method, Double)] = []

    public init(label: String, index: GeocoderIndex, samples: [Sample]) {
        self.label = label
        for sample in samples { add(index.geocode(sample.address), for: sample) }
        errors.sort()
    }

    /// The same measure, each month's samples geocoded by an index that learned only from the
    /// samples of earlier months (`LearnedAddress`): what a city that imports its requests
    /// monthly gets, never told a row's own answer. `build` makes the index from what it may learn.
    public init(label: String, samples: [Sample], learningFromEarlierMonths build: ([LearnedAddress]) -> GeocoderIndex) {
        self.label = label
        let byMonth = Dictionary(grouping: samples) { String($0.day.prefix(7)) }
        var history: [LearnedAddress] = []
        for month in byMonth.keys.sorted() {
            let index = build(history)
            for sample in byMonth[month]! { add(index.geocode(sample.address), for: sample) }
            history += byMonth[month]!.map { LearnedAddress(address: $0.address, longitude: $0.longitude, latitude: $0.latitude) }
        }
        errors.sort()
    }

    private mutating func add(_ result: GeocodeResult, for sample: Sample) {
        total += 1
        byMethod[result.method, default: 0] += 1
        guard result.isPreciseEnoughToMerge, let lon = result.longitude, let lat = result.latitude else { return }
        matched += 1
        let error = ReverseGrid.metres(lon, lat, sample.longitude, sample.latitude)
        errors.append(error)
        if error <= 30 { within30m += 1; within30mByMethod[result.method, default: 0] += 1 } else if worst.count < 10 { worst.append((sample.address, result.method, error)) }
    }

    public var matchedShare: Double { total == 0 ? 0 : Double(matched) / Double(total) }
    public var within30mShare: Double { total == 0 ? 0 : Double(within30m) / Double(total) }
    public var medianError: Double { errors.isEmpty ? .nan : errors[errors.count / 2] }

    public var description: String {
        func pct(_ x: Double) -> String { String(Double(Int(x * 10_000)) / 100) + " %" }
        var text = "\(label): \(total) addresses; matched \(pct(matchedShare)); within 30 m \(pct(within30mShare)); "
        text += "median error \(String(Double(Int(medianError * 10)) / 10)) m\n  by method: "
        text += GeocodeResult.Method.allCases.compactMap { m in
            byMethod[m].map { "\(m.rawValue) \($0)" + ([.addressPoint, .learned, .interpolated, .snapped, .intersection].contains(m) ? " (\(within30mByMethod[m] ?? 0) within 30 m)" : "") }
        }.joined(separator: ", ")
        if !worst.isEmpty {
            text += "\n  examples over 30 m: " + worst.prefix(5).map { "\($0.0) (\($0.1.rawValue), \(Int($0.2)) m)" }.joined(separator: "; ")
        }
        return text
    }
}
