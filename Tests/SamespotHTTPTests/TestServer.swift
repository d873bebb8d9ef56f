import Hummingbird
import Logging
import Testing
import HummingbirdTesting
import SamespotCore
import SamespotHTTP
import SamespotService
import SamespotStore
import SamespotTestSupport

/// Runs the real Samespot server on a loopback port over the sample city, as `serve` does:
/// indexes loaded from PostgreSQL first, then the application with a pool of its own.
enum TestServer {
    static func settings(_ database: DatabaseSettings, limits: LimitSettings = LimitSettings(),
                         crossOrigin: CrossOriginPolicy = .anyOrigin) -> ServerSettings {
        ServerSettings(host: "127.0.0.1", port: 0, database: database, city: TestEnvironment.city, wardSet: nil, limits: limits,
                       crossOrigin: crossOrigin)
    }

    static func withSampleCity(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        SamespotServer.bootstrapMetrics()
        let databaseSettings = try await TestDatabase.withSampleCity { $0.settings }
        let catalog = try await TestDatabase.withSampleCity { try await CatalogStore(database: $0).load() }
        let indexes = CityIndexes(try await SampleSnapshot.shared.snapshot(), catalog: catalog, wardSetName: nil)
        let db = Database(settings: databaseSettings, logger: TestEnvironment.logger)
        let app = try SamespotServer.buildApplication(settings: settings(databaseSettings), database: db, indexes: indexes,
                                                  logger: TestEnvironment.logger)
        try await app.test(.live, body)
    }

    /// Indexes with nothing in them, new each time (a server fills its catalog as types are
    /// asked for): for a server whose database is unreachable, or a city with no map.
    static var emptyIndexes: CityIndexes {
        CityIndexes(.init(geocoder: GeocoderIndex(addresses: []), wards: nil, wardSet: nil), wardSetName: nil)
    }

    /// A real server on loopback over a copy of the sample city of its own, which the test may
    /// change; `body` gets the port and the database.
    static func withSampleCityCopy(
        logger: Logger = TestEnvironment.logger, registry: RouteRegistry = RouteRegistry(), limits: LimitSettings = LimitSettings(),
        prepare: @escaping @Sendable (Database) async throws -> Void = { _ in },
        reads: DatabaseSettings? = nil, behindTransactionPooler: Bool = false, crossOrigin: CrossOriginPolicy = .anyOrigin,
        _ body: @escaping @Sendable (Int, Database) async throws -> Void
    ) async throws {
        SamespotServer.bootstrapMetrics()
        let snapshot = try await SampleSnapshot.shared.snapshot()
        try await TestDatabase.withSampleCityCopy { db in
            try await prepare(db)
            let indexes = CityIndexes(snapshot, catalog: try await CatalogStore(database: db).load(), wardSetName: nil)
            var serving = db.settings
            serving.behindTransactionPooler = behindTransactionPooler
            let app = try SamespotServer.buildApplication(settings: settings(db.settings, limits: limits, crossOrigin: crossOrigin),
                                                          database: Database(settings: serving, logger: logger),
                                                          reads: reads.map { Database(settings: $0, logger: logger) },
                                                          indexes: indexes, logger: logger, registry: registry)
            try await app.test(.live) { client in
                try await body(try #require(client.port), db)
            }
        }
    }

    /// How many cases the server on `port` holds in memory, once it has loaded them (it loads
    /// them after it starts); nil if it has not within a minute.
    static func casesInMemory(port: Int) async throws -> Int? {
        for _ in 0..<600 {
            if let loaded = try await HTTP.get("/healthz", port: port).json["cases_in_memory"] as? Int { return loaded }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }
}

/// The sample city's geocoder and ward grids, built once per test process: they are the same
/// in every copy (made from one template), and building them in a debug build takes seconds.
/// Each server still loads its own catalog, which tests change.
actor SampleSnapshot {
    static let shared = SampleSnapshot()
    private var loading: Task<CityIndexes.Snapshot, any Error>?

    func snapshot() async throws -> CityIndexes.Snapshot {
        if let loading { return try await loading.value }
        let task = Task { try await TestDatabase.withSampleCity { try await CityIndexes.load(from: $0, wardSetName: nil).snapshot } }
        loading = task
        return try await task.value
    }
}
