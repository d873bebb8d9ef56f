import Foundation
import SamespotCore
import SamespotGeo
import SamespotStore

/// A spot someone is reporting at: where it is, and what address it is, when known.
public struct Spot: Sendable {
    public var longitude: Double
    public var latitude: Double
    public var precision: LocationPrecision
    public var address: String?
    public var addressKey: String
    public var blockKey: String
    public var x: Double
    public var y: Double
    public var ward: String?
}

/// An open case near a spot, ranked: would a new report of its type here merge into it?
public struct Match: Sendable {
    public var nearby: OpenCaseNearby
    public var serviceName: String
    public var sensitive: Bool
    public var distanceMetres: Double
    public var ageSeconds: Double
    /// A new report of the case's type at the spot would become its child: the one parent intake
    /// would choose among that type's open cases here (by the model or the type's rule).
    public var wouldMerge: Bool
    /// The dedup score when it would merge (higher is a better match).
    public var score: Double?
    public var sameAddress: Bool
    public var sameBlock: Bool
}

public enum SpotError: Refusal, Equatable {
    case notPlaced(String)
    case outsideCity(latitude: Double, longitude: Double)

    public var kind: RefusalKind { .unprocessable }

    public var description: String {
        switch self {
        case .notPlaced(let address): return "\(address) could not be placed precisely enough (a street alone is not a spot); send lat and long"
        case .outsideCity(let lat, let long): return "\(lat), \(long) is outside the city (in no ward)"
        }
    }
}

/// "Already reported": the open cases near a spot, best first. What intake staff see while
/// they type, and what a resident app shows before a report is sent.
public struct MatchService: Sendable {
    /// Open cases read beyond the limit, to rank.
    public static let rankingSlack = 40

    public let indexes: CityIndexes
    public let projections: ProjectionPool
    public let store: NearbyStore
    /// The cases in memory, when kept: open cases found there without a query (PostgreSQL is
    /// read while they load).
    public let mirror: CaseMirror?

    public init(indexes: CityIndexes, projections: ProjectionPool, store: NearbyStore, mirror: CaseMirror? = nil) {
        self.indexes = indexes
        self.projections = projections
        self.store = store
        self.mirror = mirror
    }

    /// The spot of a typed address (only precise answers: an address point, an interpolated
    /// number, a corner) or of a point (with the address at its door, if one is within 30 m).
    public func locate(address: String?, longitude: Double?, latitude: Double?) throws -> Spot {
        let snapshot = indexes.snapshot
        var spot: Spot
        if let longitude, let latitude {
            let door = snapshot.geocoder.reverse(longitude: longitude, latitude: latitude, maxDistance: 30)
            spot = Spot(longitude: longitude, latitude: latitude, precision: .caller, address: door?.address,
                        addressKey: door?.address ?? "", blockKey: door?.block ?? "", x: 0, y: 0)
        } else if let address {
            let result = snapshot.geocoder.geocode(address)
            guard let lon = result.longitude, let lat = result.latitude, result.isPreciseEnoughToMerge else {
                throw SpotError.notPlaced(String(address.prefix(80)))
            }
            let keyed = result.method == .addressPoint || result.method == .learned || result.method == .interpolated || result.method == .snapped
            spot = Spot(longitude: lon, latitude: lat, precision: result.precision, address: result.matched,
                        addressKey: keyed ? result.matched ?? "" : "", blockKey: keyed ? result.block ?? "" : "", x: 0, y: 0)
        } else {
            throw SpotError.notPlaced("nothing")
        }
        if let wards = snapshot.wards {
            spot.ward = wards.ward(longitude: spot.longitude, latitude: spot.latitude, context: GEOSContext())
            guard spot.ward != nil else { throw SpotError.outsideCity(latitude: spot.latitude, longitude: spot.longitude) }
        }
        guard let metres = try projections.forwardMetres(longitude: spot.longitude, latitude: spot.latitude) else {
            throw SpotError.outsideCity(latitude: spot.latitude, longitude: spot.longitude)
        }
        (spot.x, spot.y) = (metres.x, metres.y)
        return spot
    }

    /// Open cases (not themselves merged) within `radius` metres, of one type or any, best
    /// first: those a new report would merge into (by score), then the rest by distance.
    public func matches(at spot: Spot, serviceCode: String?, radius: Double, limit: Int, now: Date = Date()) async throws -> [Match] {
        let catalog = indexes.catalog
        let nowSeconds = now.timeIntervalSince1970
        // The nearest few beyond the limit are ranked: a case a new report would merge into lies
        // within its rule's radius (tens of metres), so it is among them.
        let nearby = try await openParents(near: spot, radius: radius, serviceCode: serviceCode, count: limit + Self.rankingSlack,
                                           catalog: catalog)
        let chosen = Self.intakeChoices(nearby, at: spot, catalog: catalog, now: nowSeconds)
        var found: [Match] = []
        for c in nearby {
            let type = catalog.types[c.serviceCode]
            let distance = ((c.x - spot.x) * (c.x - spot.x) + (c.y - spot.y) * (c.y - spot.y)).squareRoot()
            let decision = chosen[c.serviceCode].flatMap { $0.parentID == Int(c.requestID) ? $0 : nil }
            found.append(Match(
                nearby: c, serviceName: type?.name ?? c.serviceCode, sensitive: type?.sensitive ?? false, distanceMetres: distance,
                ageSeconds: max(0, nowSeconds - c.requestedAt.timeIntervalSince1970), wouldMerge: decision != nil, score: decision?.score,
                sameAddress: !spot.addressKey.isEmpty && spot.addressKey == c.addressKey,
                sameBlock: !spot.blockKey.isEmpty && spot.blockKey == c.blockKey))
        }
        found.sort { a, b in
            if a.wouldMerge != b.wouldMerge { return a.wouldMerge }
            if let sa = a.score, let sb = b.score, sa != sb { return sa > sb }
            if a.distanceMetres != b.distanceMetres { return a.distanceMetres < b.distanceMetres }
            return a.nearby.requestID < b.nearby.requestID
        }
        return Array(found.prefix(limit))
    }

    /// The nearest open cases not merged into another, of the types about a spot: from memory
    /// when the cases are loaded, else from PostgreSQL; the same cases either way.
    func openParents(near spot: Spot, radius: Double, serviceCode: String?, count: Int, catalog: ServiceCatalog) async throws -> [OpenCaseNearby] {
        let (x, y) = (spot.x, spot.y)
        if let mirror, let found = await mirror.readRecent({ table in
            table.spots.nearest(x: x, y: y, radius: radius, serviceCode: serviceCode, limit: count) { catalog.types[$0]?.aboutAPlace == true }
        }) {
            return found
        }
        return try await store.openParents(nearX: x, y: y, radius: radius, serviceCode: serviceCode, count: count)
    }

    /// For each type among the nearby cases, the parent intake would give a report of that type
    /// made here now: its own chooser (the model's, where it decides) over all of that type's open
    /// candidates together, as intake sees them, so the model's neighbourhood features (reports
    /// nearby, distance and recency ranks) are the same as at intake.
    static func intakeChoices(_ nearby: [OpenCaseNearby], at spot: Spot, catalog: ServiceCatalog, now: Double) -> [String: DedupDecision] {
        var candidatesByType: [String: [DedupCandidate]] = [:]
        for c in nearby {
            guard let type = catalog.types[c.serviceCode], catalog.rule(for: type).openStatuses.contains(c.status) else { continue }
            let candidate = DedupCase(id: Int(c.requestID), serviceCode: c.serviceCode, requestedAt: c.requestedAt.timeIntervalSince1970,
                                      dateOnly: c.dateOnly, closedAt: nil, x: c.x, y: c.y, addressKey: c.addressKey, blockKey: c.blockKey)
            candidatesByType[c.serviceCode, default: []].append(DedupCandidate(request: candidate, children: c.childCount))
        }
        var chosen: [String: DedupDecision] = [:]
        for (code, candidates) in candidatesByType {
            guard let type = catalog.types[code] else { continue }
            let rule = catalog.rule(for: type)
            guard rule.enabled else { continue }
            let report = DedupCase(id: -1, serviceCode: code, requestedAt: now, dateOnly: false, closedAt: nil,
                                   x: spot.x, y: spot.y, addressKey: spot.addressKey, blockKey: spot.blockKey)
            // Read as intake reads them: the model's street features too, where it decides.
            chosen[code] = catalog.parentChooser(for: type).choose(report, among: candidates, rule: rule)
        }
        return chosen
    }
}
