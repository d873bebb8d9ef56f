import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
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

    /// - Parameters:
    ///   - database: the primary: every write, and every read that must see the caller's own writes.
    ///   - reads: a streaming replica for the reads that may lag by a moment (Open311 listings,
    ///     matches, clusters, ward and lifecycle reports); nil reads from the primary.
    /// - Parameter mirror: the cases in memory, when kept (`buildApplication` keeps them current).
    /// - Parameter requestsInProgress: where each request is registered while it is answered, for
    ///   `SlowRequestWatch` (`buildApplication` runs one).
    public static func buildRouter(settings: ServerSettings, database: Database, reads: Database? = nil, indexes: CityIndexes,
                                   mirror: CaseMirror? = nil, requestsInProgress: RequestsInProgress? = nil,
                                   registry: RouteRegistry = RouteRegistry()) throws -> Router<SamespotRequestContext> {
        let replica = reads ?? database
        let router = Router(context: SamespotRequestContext.self)
        // Logs and metrics name the method, path and status; never the query string (it may
        // carry an address) nor a key.
        if let requestsInProgress { router.add(middleware: RequestsInProgressMiddleware(requests: requestsInProgress)) }
        router.add(middleware: MetricsMiddleware())
        // Outside the error middleware, so refusals carry the header too and a page can read them.
        if let crossOrigin = CrossOriginMiddleware.make(settings.crossOrigin) { router.add(middleware: crossOrigin) }
        if let mirror { router.add(middleware: LocalWriteMiddleware(mirror: mirror)) }
        let keys = APIKeyResolver(store: APIKeyStore(database: database))
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: APIKeyMiddleware(keys: keys))
        router.add(middleware: LimitMiddleware(settings: settings.limits))
        router.add(middleware: IdempotencyMiddleware(store: IdempotentPostStore(database: database), maxBodyBytes: CaseService.maxDocumentBytes))
        let api = APIRouter(router: router, registry: registry)

        // The use cases, each over its stores; the routes call these only.
        let projections = try ProjectionPool(targetEPSG: settings.city.metricEPSG)
        let clock = CityClock(timeZoneIdentifier: settings.city.timeZone)
        let intake = IntakeService(indexes: indexes, projections: projections,
                                   store: IntakeStore(database: database, city: settings.city), mirror: mirror)
        let catalog = CatalogService(store: CatalogStore(database: database), rules: RuleStore(database: database), indexes: indexes)
        let cases = CaseService(cases: CaseStore(database: database, city: settings.city), organisation: OrganisationStore(database: database),
                                indexes: indexes)
        let requests = RequestReadService(store: RequestQueryStore(database: replica),
                                          primary: reads == nil ? nil : RequestQueryStore(database: database), indexes: indexes,
                                          mirror: mirror)
        let reports = ReportService(lifecycle: LifecycleReportStore(database: replica), wards: WardReportStore(database: replica),
                                    indexes: indexes, mirror: mirror)
        let clusters = ClusterService(store: ClusterPointStore(database: replica), projections: projections, mirror: mirror, spotTypes: {
            Set(indexes.catalog.types.values.filter(\.aboutAPlace).map(\.code))
        })
        let wardSets = WardSetResolver(indexes: indexes)

        HealthRoutes(database: database, settings: settings, mirror: mirror).register(on: api)
        MetricsRoutes(registry: metricsRegistry).register(on: api)
        OpenAPIRoutes().register(on: api)
        Open311Routes(indexes: indexes, intake: intake, catalog: catalog, requests: requests, keys: keys, clock: clock).register(on: api)
        GeocodeRoutes(indexes: indexes).register(on: api)
        IntakeRoutes(intake: intake).register(on: api)
        MatchRoutes(matches: MatchService(indexes: indexes, projections: projections, store: NearbyStore(database: replica), mirror: mirror), clock: clock)
            .register(on: api)
        ClusterRoutes(clusters: clusters, indexes: indexes, wardSets: wardSets, clock: clock).register(on: api)
        WardRoutes(reports: reports, boundaries: WardBoundaryService(store: WardSetStore(database: database)),
                   clusters: clusters, indexes: indexes, wardSets: wardSets, clock: clock)
            .register(on: api)
        CityRoutes(requests: requests, indexes: indexes, web: settings.web, clock: clock).register(on: api)
        WebRoutes(settings: settings.web, logger: database.logger).register(on: router)
        CaseRoutes(cases: cases).register(on: api)
        RuleRoutes(catalog: catalog).register(on: api)
        ServiceRoutes(catalog: catalog).register(on: api)
        OrganisationRoutes(organisation: OrganisationService(store: OrganisationStore(database: database), indexes: indexes)).register(on: api)
        LetterRoutes(letters: LetterService(store: LetterStore(database: database)), clock: clock).register(on: api)
        ReportRoutes(reports: reports, wardSets: wardSets, clock: clock).register(on: api)
        return router
    }

    /// The largest request head (request line and headers) the server reads.
    static let maxHeadBytes = 512 * 1024

    /// - Parameters:
    ///   - database, reads: as `buildRouter` takes them; `Database`s whose clients nobody else
    ///     runs: the application runs them.
    ///   - listener: where the index refresher LISTENs for reference changes, when `database` is
    ///     behind a transaction pooler (a LISTEN needs a session of its own); nil: `database`.
    public static func buildApplication(
        settings: ServerSettings, database: Database, reads: Database? = nil, listener: Database? = nil,
        indexes: CityIndexes, logger: Logger, registry: RouteRegistry = RouteRegistry()
    ) throws -> some ApplicationProtocol {
        // Read where the reports are read (the replica, when there is one); the feed's old notes
        // are pruned on the primary.
        let mirror = settings.casesInMemory
            ? CaseMirror(feed: CaseFeedStore(database: reads ?? database), primary: CaseFeedStore(database: database), logger: logger) : nil
        let slowRequests = settings.limits.slowRequestLimit.map { SlowRequestWatch(requests: RequestsInProgress(), limit: $0) }
        let router = try buildRouter(settings: settings, database: database, reads: reads, indexes: indexes, mirror: mirror,
                                     requestsInProgress: slowRequests?.requests, registry: registry)
        let pools: [any Service] = [database.client] + [reads?.client, listener?.client].compactMap { $0 }
        let keepers: [any Service] = [IndexRefresher(indexes: indexes, database: listener ?? database)]
            + ([mirror.map(CaseMirrorService.init), slowRequests] as [(any Service)?]).compactMap { $0 }
        return Application(
            responder: HeadAsGetResponder(base: router.buildResponder()),
            server: .http1(configuration: .init(
                idleTimeout: settings.limits.idleTimeout.map { TimeAmount($0) },
                // A head the parser refuses gets a bare 400 with no body from the HTTP layer, so the
                // limit sits well above the longest URL the API's own checks accept (200 list values of
                // 64 characters, percent-encoded), and those checks answer in the API's format.
                httpDecoderConfiguration: .init(maxHeaderFieldSize: Self.maxHeadBytes, maxHeaderListSize: Self.maxHeadBytes))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "Samespot"),
            services: pools + keepers,
            logger: logger
        )
    }
}
