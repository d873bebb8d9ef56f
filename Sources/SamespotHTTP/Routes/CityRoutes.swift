import Foundation
import Hummingbird
import SamespotCore
import SamespotGeo
import SamespotService
import SamespotStore

/// What a client (the web page first) reads before anything else: who the key belongs to
/// (`GET /v1/whoami`), and the city it is looking at (`GET /v1/city`): its ward sets, the span
/// of its requests, its map tiles. The page shows a role only what the role may fetch.
struct CityRoutes {
    let requests: RequestReadService
    let indexes: CityIndexes
    let web: WebSettings
    let clock: CityClock

    struct WhoAmI: Encodable {
        var role: String
        var wards: [String]
        var label: String
        var permissions: [String]
        var maxMatchRadiusM: Double
    }

    struct City: Encodable {
        struct WardSet: Encodable {
            var name: String
            var effectiveFrom: String?
            var effectiveTo: String?
            var wards: Int
            var inUse: Bool
        }
        struct Span: Encodable { var first: String; var last: String }
        var timeZone: String
        var wardSet: String?
        var wardSets: [WardSet]
        var requests: Span?
        var tileUrl: String?
        var tileAttribution: String?
    }

    func register(on api: APIRouter) {
        api.get("/v1/whoami") { _, context in
            let principal = try context.require(.readCity)
            return try JSONResponse.encode(WhoAmI(
                role: principal.role.rawValue, wards: WardIndex.ordered(Array(principal.wards)), label: principal.label,
                permissions: Permission.allCases.filter(principal.can).map(\.rawValue), maxMatchRadiusM: principal.maxMatchRadiusMetres))
        }

        api.get("/v1/city") { _, context in
            _ = try context.require(.readCity)
            let snapshot = indexes.snapshot
            let span = try await requests.requestedSpan()
            return try JSONResponse.encode(City(
                timeZone: clock.timeZone.identifier, wardSet: snapshot.wardSet?.name,
                wardSets: snapshot.allWardSets.map {
                    City.WardSet(name: $0.info.name, effectiveFrom: $0.info.effectiveFrom, effectiveTo: $0.info.effectiveTo,
                                 wards: $0.info.wardCount, inUse: $0.info.id == snapshot.wardSet?.id)
                },
                requests: span.map { City.Span(first: clock.day($0.first), last: clock.day($0.last)) },
                tileUrl: web.tileURL, tileAttribution: web.tileURL == nil ? nil : web.tileAttribution))
        }
    }
}
