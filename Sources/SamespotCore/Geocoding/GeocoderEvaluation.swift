/// Measures the geocoder against coordinates the city itself gave: the share matched, the
/// share within 30 m, and the median error, overall and by method.
public struct GeocoderEvaluation: Sendable, CustomStringConvertible {
    public struct Sample: Sendable {
        public var address: String
        public var longitude: Double
        public var latitude: Double
        public init(address: String, longitude: Double, latitude: Double) {
            self.address = address
            self.longitude = longitude
            self.latitude = latitude
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
        for sample in samples {
            total += 1
            let result = index.geocode(sample.address)
            byMethod[result.method, default: 0] += 1
            guard result.isPreciseEnoughToMerge, let lon = result.longitude, let lat = result.latitude else { continue }
            matched += 1
            let error = ReverseGrid.metres(lon, lat, sample.longitude, sample.latitude)
            errors.append(error)
            if error <= 30 { within30m += 1; within30mByMethod[result.method, default: 0] += 1 } else if worst.count < 10 { worst.append((sample.address, result.method, error)) }
        }
        errors.sort()
    }

    public var matchedShare: Double { total == 0 ? 0 : Double(matched) / Double(total) }
    public var within30mShare: Double { total == 0 ? 0 : Double(within30m) / Double(total) }
    public var medianError: Double { errors.isEmpty ? .nan : errors[errors.count / 2] }

    public var description: String {
        func pct(_ x: Double) -> String { String(Double(Int(x * 10_000)) / 100) + " %" }
        var text = "\(label): \(total) addresses; matched \(pct(matchedShare)); within 30 m \(pct(within30mShare)); "
        text += "median error \(String(Double(Int(medianError * 10)) / 10)) m\n  by method: "
        text += GeocodeResult.Method.allCases.compactMap { m in
            byMethod[m].map { "\(m.rawValue) \($0)" + ([.addressPoint, .interpolated, .snapped, .intersection].contains(m) ? " (\(within30mByMethod[m] ?? 0) within 30 m)" : "") }
        }.joined(separator: ", ")
        if !worst.isEmpty {
            text += "\n  examples over 30 m: " + worst.prefix(5).map { "\($0.0) (\($0.1.rawValue), \(Int($0.2)) m)" }.joined(separator: "; ")
        }
        return text
    }
}
