import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SamespotCore
import SamespotHTTP
import SamespotStore
import SamespotTestSupport
import Testing

@Suite struct HealthTests {
    init() { SamespotServer.bootstrapMetrics() }

    static func settings(_ database: DatabaseSettings) -> ServerSettings {
        ServerSettings(host: "127.0.0.1", port: 0, database: database, city: TestEnvironment.city, wardSet: nil)
    }

    struct Health: Decodable {
        var status: String
        var version: String
        var database: String
        var wardSet: String?
        var counts: Counts?
        struct Counts: Decodable { var addressPoints: Int; var wards: Int; var requests: Int; var schemaVersion: Int; var estimated: Bool }
    }

    static func decode(_ buffer: ByteBuffer) throws -> Health {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Health.self, from: Data(buffer: buffer))
    }

    @Test func healthzReportsTheSampleCityOverARealServer() async throws {
        do {
            try await TestServer.withSampleCity { client in
                // Readiness first: on a busy CI machine the first count can miss the health
                // check's 3 s deadline (the service then truthfully says 503), so wait for 200.
                for _ in 0..<20 {
                    let status = try await client.execute(uri: "/healthz", method: .get) { $0.status }
                    if status == .ok { break }
                    try await Task.sleep(for: .seconds(1))
                }
                try await client.execute(uri: "/healthz", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                    let health = try Self.decode(response.body)
                    #expect(health.status == "ok")
                    #expect(health.database == "reachable")
                    #expect(health.version == SamespotVersion.current)
                    #expect(health.wardSet == "chicago-2023")
                    #expect(health.counts?.addressPoints == 45_220)
                    #expect(health.counts?.wards == 151)
                    #expect(health.counts?.requests == 2_953)
                    #expect((health.counts?.schemaVersion ?? 0) >= 1)
                    #expect(health.counts?.estimated == false, "the sample city is small enough to count exactly")
                }
                try await client.execute(uri: "/no/such/page", method: .get) { response in
                    #expect(response.status == .notFound)
                }
                try await client.execute(uri: "/metrics", method: .get) { response in
                    #expect(response.status == .ok)
                    // The /healthz request above was counted.
                    #expect(String(buffer: response.body).contains(#"http_server_request_duration_count{http_route="/healthz",http_request_method="GET",http_response_status_code="200"}"#))
                }
            }
        }
    }

    @Test func healthzSays503WhenTheDatabaseIsDown() async throws {
        // Nothing listens on port 1: the database is unreachable, the service still answers.
        let down = try DatabaseSettings(url: "postgres://samespot@127.0.0.1:1/samespot")
        let db = Database(settings: down, logger: TestEnvironment.logger)
        let app = try SamespotServer.buildApplication(settings: Self.settings(down), database: db, indexes: TestServer.emptyIndexes,
                                                  logger: TestEnvironment.logger)
        try await app.test(.live) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let health = try Self.decode(response.body)
                #expect(health.status == "unavailable")
                #expect(health.database == "unreachable")
                #expect(health.counts == nil)
            }
        }
    }
}
