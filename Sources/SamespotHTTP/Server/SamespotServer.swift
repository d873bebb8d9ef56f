import Hummingbird
import Logging
import Metrics
import Prometheus
import SamespotGeo
import SamespotService
import SamespotStore

/// Builds the HTTP application: routes, middleware, and the database pool as a service that
/// runs (and shuts down) with the server.
public enum SamespotServer {
    /// The process-wide Prometheus registry; `bootstrapMetrics` points swift-metrics at it once.
    public static let metricsRegistry = PrometheusCollectorRegistry()

    /// Points swift-metrics at `metricsRegistry`. swift-metrics allows one bootstrap per
    /// process, so this runs it once however often it is called (the tests call it per server).
    public static func bootstrapMetrics() {
        _ = metricsBootstrap
    }

    private static let metricsBootstrap: Void = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metricsRegistry))
    }()

    public static func buildRouter(settings: ServerSettings, database: Database, indexes: CityIndexes) throws -> Router<BasicRequestContext> {
        let router = Router()
        // Logs name the method, path and status; never the query string, which may carry an address.
        router.add(middleware: MetricsMiddleware())
        HealthRoutes(database: database, settings: settings).register(on: router)
        MetricsRoutes(registry: metricsRegistry).register(on: router)
        GeocodeRoutes(indexes: indexes).register(on: router)
        let intake = IntakeService(indexes: indexes, projections: try ProjectionPool(targetEPSG: settings.city.metricEPSG),
                                   store: IntakeStore(database: database))
        IntakeRoutes(intake: intake).register(on: router)
        CaseRoutes(cases: CaseStore(database: database), rules: RuleStore(database: database)).register(on: router)
        return router
    }

    /// - Parameter database: a `Database` whose client nobody else runs: the application runs it.
    public static func buildApplication(
        settings: ServerSettings, database: Database, indexes: CityIndexes, logger: Logger
    ) throws -> some ApplicationProtocol {
        let router = try buildRouter(settings: settings, database: database, indexes: indexes)
        return Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "Samespot"),
            services: [database.client, IndexRefresher(indexes: indexes, database: database)],
            logger: logger
        )
    }
}
