import Hummingbird
import Logging
import SamespotCore
import SamespotGeo
import SamespotService
import SamespotStore

/// `GET /healthz`: is the database reachable, and how much of the city is loaded.
/// City IT points its load balancer and monitoring here; 503 when the database is down.
struct HealthRoutes {
    let database: Database
    let settings: ServerSettings
    let mirror: CaseMirror?

    struct Health: ResponseEncodable {
        var status: String
        var version: String
        var database: String
        var counts: Counts?
        var wardSet: String?
        var metricEPSG: Int
        var geos: String
        var proj: String
        var casesInMemory: Int?
    }

    /// How much of the city is loaded, on the wire.
    struct Counts: Encodable {
        var addressPoints: Int, streets: Int, intersections: Int, wardSets: Int, wards: Int, serviceTypes: Int, requests: Int
        var schemaVersion: Int
        var estimated: Bool
        init(_ c: CityCounts) {
            addressPoints = c.addressPoints; streets = c.streets; intersections = c.intersections; wardSets = c.wardSets
            wards = c.wards; serviceTypes = c.serviceTypes; requests = c.requests; schemaVersion = c.schemaVersion
            estimated = c.estimated
        }
    }

    func register(on api: APIRouter) {
        api.get("/healthz") { _, _ in
            var health = Health(
                status: "ok", version: SamespotVersion.current, database: "reachable", counts: nil,
                wardSet: settings.wardSet, metricEPSG: settings.city.metricEPSG,
                geos: GEOSContext.version, proj: Projection.version, casesInMemory: await mirror?.count)
            var status = HTTPResponse.Status.ok
            do {
                let database = self.database
                health.counts = Counts(try await withTimeout(.seconds(3)) { try await CityCounts.read(from: database) })
                if health.wardSet == nil {
                    health.wardSet = try? await withTimeout(.seconds(3)) { try await WardSetStore(database: database).set(named: nil).name }
                }
            } catch {
                database.logger.warning("health check: database unreachable", metadata: ["error": "\(DatabaseErrorText.logSummary(error))"])
                health.status = "unavailable"
                health.database = "unreachable"
                status = .serviceUnavailable
            }
            return try JSONResponse.encode(health, status: status)
        }
    }
}
