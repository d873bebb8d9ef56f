/// What the geocoder answers for one address: where, how it knows, how sure it is, and why.
public struct GeocodeResult: Sendable, Equatable, Codable {
    /// How the point was found, from most to least exact.
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// The address is in the city's table.
        case addressPoint = "address_point"
        /// Not in the table, but the city's own history placed requests at this very address
        /// (`LearnedAddress`): there.
        case learned
        /// Between the nearest numbers on the same side of the same street.
        case interpolated
        /// At the nearest number on the same side, when the number lies past the street's known points.
        case snapped
        /// Where the two streets meet.
        case intersection
        /// The street is known, but not the spot on it.
        case street
        case none
    }

    public struct Candidate: Sendable, Equatable, Codable {
        public var address: String
        public var longitude: Double?
        public var latitude: Double?
    }

    public var input: String
    public var normalized: String
    public var method: Method
    public var precision: LocationPrecision
    public var confidence: Double
    public var longitude: Double?
    public var latitude: Double?
    /// The address or corner matched, in canonical form ("1200 W 63RD ST").
    public var matched: String?
    public var addressID: Int64?
    /// The hundred block ("1200 W 63RD ST"): some crews treat a whole block as one job.
    public var block: String?
    public var unit: String?
    /// Why the answer is less than certain ("street name ASHLNAD read as ASHLAND").
    public var reasons: [String]
    /// What might have been meant, when the geocoder would not guess.
    public var candidates: [Candidate]

    /// Precise enough to merge duplicates and draw hotspots: an intersection or better.
    public var isPreciseEnoughToMerge: Bool { precision.isPreciseEnoughToMerge }

    static func none(_ input: String, _ normalized: String, reasons: [String], candidates: [Candidate] = []) -> GeocodeResult {
        GeocodeResult(input: input, normalized: normalized, method: .none, precision: .none, confidence: 0,
                      longitude: nil, latitude: nil, matched: nil, addressID: nil, block: nil, unit: nil,
                      reasons: reasons, candidates: candidates)
    }
}

/// The nearest address point to a longitude/latitude.
public struct ReverseGeocodeResult: Sendable, Equatable, Codable {
    public var address: String
    public var addressID: Int64
    public var longitude: Double
    public var latitude: Double
    public var distanceMetres: Double
    public var block: String
}
