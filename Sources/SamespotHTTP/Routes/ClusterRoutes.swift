import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// `GET /v1/clusters`: hotspots for planners, as a GeoJSON FeatureCollection. DBSCAN in the
/// city's metric grid with `eps` (metres) and `min_points`, over the requests the filters pick
/// (type, dates, status, ward). Each feature is a cluster's hull with its centroid, count and
/// top types; the collection says how many points, clusters and noise there were.
struct ClusterRoutes {
    let clusters: ClusterService
    let indexes: CityIndexes
    let wardSets: WardSetResolver
    let clock: CityClock

    func register(on api: APIRouter) {
        api.get("/v1/clusters") { request, context in
            _ = try context.require(.clusters)
            let query = QueryParameters(request)
            let eps = try query.double("eps", in: 1...1_000) ?? 50
            let minPoints = try query.int("min_points", in: 2...100_000) ?? 5
            let limit = try query.int("limit", in: 1...10_000) ?? 500
            var filter = ClusterFilter()
            filter.serviceCodes = try query.list("service_code")
            filter.statuses = try query.list("status").map(Self.statuses)
            filter.from = try query.date("start_date", clock: clock)
            filter.to = try query.date("end_date", clock: clock, endOfDay: true)
            if let from = filter.from, let to = filter.to, to < from { throw APIError.badRequest("end_date is before start_date") }
            filter.includeDuplicates = try query.bool("include_duplicates") ?? false
            let wardSet = try query.string("ward_set")
            let set = wardSet == nil ? nil : try wardSets.resolve(wardSet)
            if let ward = try query.string("ward") {
                let set = try set ?? wardSets.resolve(nil)
                filter.wardSetID = set.id
                filter.ward = ward
            }
            let members = try query.bool("members") ?? false
            let map = try await clusters.hotspots(filter, eps: eps, minPoints: minPoints, limit: limit, members: members)
            let names = indexes.catalog.types
            let features: [[String: JSONValue]] = map.hotspots.map { h in
                let geometry: JSONValue
                if h.hull.count >= 3 {
                    let ring = (h.hull + [h.hull[0]]).map { JSONValue.array([.number($0.longitude), .number($0.latitude)]) }
                    geometry = .object(["type": .string("Polygon"), "coordinates": .array([.array(ring)])])
                } else {
                    geometry = .object(["type": .string("Point"), "coordinates": .array([.number(h.centroidLongitude), .number(h.centroidLatitude)])])
                }
                var properties: [String: JSONValue] = [
                    "rank": .number(Double(h.rank + 1)),
                    "count": .number(Double(h.count)),
                    "reports": .number(Double(h.reports)),
                    "centroid": .array([.number(h.centroidLongitude), .number(h.centroidLatitude)]),
                    "top_types": .array(h.topTypes.map { t in
                        .object(["service_code": .string(t.serviceCode), "service_name": .string(names[t.serviceCode]?.name ?? t.serviceCode),
                                 "count": .number(Double(t.count))])
                    }),
                ]
                if members { properties["service_request_ids"] = .array(h.memberIDs.map(JSONValue.string)) }
                return ["type": .string("Feature"), "geometry": geometry, "properties": .object(properties)]
            }
            let collection: JSONValue = .object([
                "type": .string("FeatureCollection"),
                "features": .array(features.map { .object($0) }),
                "metadata": .object([
                    "points": .number(Double(map.points)), "clusters": .number(Double(map.clusterCount)),
                    "noise": .number(Double(map.noise)), "shown": .number(Double(map.hotspots.count)),
                    "eps_m": .number(eps), "min_points": .number(Double(minPoints)),
                    "include_duplicates": .bool(filter.includeDuplicates),
                    "load_ms": .number((map.loadSeconds * 10_000).rounded() / 10), "cluster_ms": .number((map.clusterSeconds * 10_000).rounded() / 10),
                ]),
            ])
            var response = try JSONResponse.encode(collection)
            response.headers[.contentType] = "application/geo+json; charset=utf-8"
            return response
        }
    }

    static func statuses(_ names: [String]) throws -> [CaseStatus] {
        // The groups first: "open" and "closed" are also the names of single statuses.
        try names.map { $0.lowercased() }.flatMap { name -> [CaseStatus] in
            if let group = CaseStatus.open311Group(named: name) { return group }
            if let status = CaseStatus(rawValue: name) { return [status] }
            throw APIError.badRequest("status \(name.prefix(40)) is not open, closed or one of \(CaseStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }
}

/// A JSON value for answers whose shape is data (GeoJSON), encoded with the API's encoder.
enum JSONValue: Encodable {
    case string(String), number(Double), bool(Bool), null, array([JSONValue]), object([String: JSONValue])

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let n): try c.encode(n)
        case .bool(let b): try c.encode(b)
        case .null: try c.encodeNil()
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
