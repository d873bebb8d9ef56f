import SamespotCore
import SamespotGeo
import SamespotStore

/// A request as a caller sends it: a type, where (coordinates or an address), what, and who.
public struct NewRequest: Sendable {
    public var serviceCode: String
    public var description: String
    public var longitude: Double?
    public var latitude: Double?
    public var address: String?
    public var channel: String
    public var requester: PreparedIntake.Requester?

    public init(serviceCode: String, description: String = "", longitude: Double? = nil, latitude: Double? = nil,
                address: String? = nil, channel: String = "api", requester: PreparedIntake.Requester? = nil) {
        self.serviceCode = serviceCode; self.description = description
        self.longitude = longitude; self.latitude = latitude; self.address = address
        self.channel = channel; self.requester = requester
    }
}

/// The intake pipeline: geocode (or take the caller's point) → project → ward → store with the
/// dedup decision, in one transaction. A failed geocode never blocks intake: the request is
/// stored without a point and is simply not merged.
public struct IntakeService: Sendable {
    public let indexes: CityIndexes
    public let projections: ProjectionPool
    public let store: IntakeStore

    public init(indexes: CityIndexes, projections: ProjectionPool, store: IntakeStore) {
        self.indexes = indexes
        self.projections = projections
        self.store = store
    }

    public func submit(_ request: NewRequest) async throws -> (IntakeOutcome, GeocodeResult?) {
        let snapshot = indexes.snapshot
        var longitude = request.longitude, latitude = request.latitude
        var precision: LocationPrecision = longitude == nil ? .none : .caller
        var addressKey = "", blockKey = "", addressText = request.address ?? ""
        var geocode: GeocodeResult?
        if let address = request.address, !address.isEmpty {
            let result = snapshot.geocoder.geocode(address)
            geocode = result
            if longitude == nil, let lon = result.longitude, let lat = result.latitude, result.isPreciseEnoughToMerge {
                longitude = lon; latitude = lat; precision = result.precision
            }
            if result.method == .addressPoint || result.method == .interpolated || result.method == .snapped {
                addressKey = result.matched ?? ""
                blockKey = result.block ?? ""
            }
        } else if let lon = longitude, let lat = latitude, let nearest = snapshot.geocoder.reverse(longitude: lon, latitude: lat, maxDistance: 30) {
            // A pin on a door: the address it is at lets address and block rules apply too.
            addressKey = nearest.address
            blockKey = nearest.block
            addressText = nearest.address
        }
        var x: Double?, y: Double?
        if let lon = longitude, let lat = latitude, precision.isPreciseEnoughToMerge,
           let metres = try projections.forwardMetres(longitude: lon, latitude: lat) {
            (x, y) = (metres.x, metres.y)
        }
        var ward: String?
        if let lon = longitude, let lat = latitude, let wards = snapshot.wards {
            ward = wards.ward(longitude: lon, latitude: lat, context: GEOSContext())
        }
        let prepared = PreparedIntake(
            serviceCode: request.serviceCode, description: request.description, channel: request.channel,
            requester: request.requester, address: addressText, addressKey: addressKey, blockKey: blockKey,
            longitude: longitude, latitude: latitude, precision: precision, x: x, y: y,
            wardSetID: snapshot.wardSet?.id, ward: ward)
        return (try await store.insert(prepared), geocode)
    }
}
