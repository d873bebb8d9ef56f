import Hummingbird
import HummingbirdTesting
import SamespotCore
import SamespotHTTP
import SamespotService
import SamespotStore
import SamespotTestSupport

/// Runs the real Samespot server on a loopback port over the sample city, as `serve` does:
/// indexes loaded from PostgreSQL first, then the application with a pool of its own.
enum TestServer {
    static func settings(_ database: DatabaseSettings) -> ServerSettings {
        ServerSettings(host: "127.0.0.1", port: 0, database: database, city: TestEnvironment.city, wardSet: nil)
    }

    static func withSampleCity(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        SamespotServer.bootstrapMetrics()
        let databaseSettings = try await TestDatabase.withSampleCity { $0.settings }
        let indexes = try await TestDatabase.withSampleCity { sample in
            try await CityIndexes.load(from: sample, wardSetName: nil)
        }
        let db = Database(settings: databaseSettings, logger: TestEnvironment.logger)
        let app = try SamespotServer.buildApplication(settings: settings(databaseSettings), database: db, indexes: indexes,
                                                  logger: TestEnvironment.logger)
        try await app.test(.live, body)
    }

    /// Indexes with nothing in them: for a server whose database is unreachable.
    static let emptyIndexes = CityIndexes(.init(geocoder: GeocoderIndex(addresses: []), wards: nil, wardSet: nil), wardSetName: nil)
}
