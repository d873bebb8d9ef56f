/// How exactly a request's point is known. Only `addressPoint`, `interpolated`,
/// `intersection` and `caller` are precise enough to merge duplicates or draw hotspots:
/// a point less precise than that would pile unrelated requests on one spot.
public enum LocationPrecision: String, Sendable, CaseIterable, Codable {
    case addressPoint = "address_point"
    case interpolated
    case intersection
    /// Coordinates sent by the caller (a phone's GPS, a map pin) or by the city's own geocoder.
    case caller
    case street
    case none

    public var isPreciseEnoughToMerge: Bool {
        switch self {
        case .addressPoint, .interpolated, .intersection, .caller: return true
        case .street, .none: return false
        }
    }
}
