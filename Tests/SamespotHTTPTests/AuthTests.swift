import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SamespotCore
import SamespotHTTP
import SamespotStore
import SamespotTestSupport
import Synchronization
import Testing

@Suite struct AuthTests {
    /// Keys are stored as hashes only; created keys work at once, revoked ones stop.
    @Test func keysAreHashedAndRevocable() async throws {
        try await TestDatabase.withFresh { db in
            let store = APIKeyStore(database: db)
            let (key, info) = try await store.create(role: .wardOffice, wards: ["3"], label: "Ward 3 office")
            #expect(key.hasPrefix("ssk_") && key.count == 52)
            #expect(try await store.principal(forKey: key) == Principal(keyID: info.id, role: .wardOffice, wards: ["3"], label: "Ward 3 office"))
            for try await (stored, prefix) in try await db.client.query(
                "SELECT encode(key_hash, 'hex'), key_prefix FROM api_keys WHERE key_id = \(info.id)", logger: db.logger).decode((String, String).self) {
                #expect(!stored.contains(String(key.dropFirst(4))))
                #expect(prefix == String(key.prefix(12)))
            }
            try await store.revoke(id: info.id)
            #expect(try await store.principal(forKey: key) == nil)
            await #expect(throws: StoreError.self) { try await store.create(role: .planner, wards: ["3"]) }
            await #expect(throws: StoreError.self) { try await store.create(role: .wardOffice) }
            await #expect(throws: StoreError.self) { try await store.revoke(id: 99_999) }
        }
    }

    /// Requester names, emails and phones never reach the logs (even at trace level) or the
    /// metrics, whatever the endpoint and whether the request succeeds or fails.
    @Test func personalDataNeverReachesTheLogs() async throws {
        let lines = LogLines()
        var logger = Logger(label: "samespot.privacy") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .trace
        try await TestServer.withSampleCityCopy(logger: logger) { port, _ in
            let person = [("first_name", "Zelda"), ("last_name", "Quimby"), ("email", "zelda.q@example.org"), ("phone", "773-555-0142")]
            _ = try await HTTP.form("/open311/v2/requests.json",
                                    [("api_key", TestKeys.public), ("service_code", "SGA"), ("address_string", "4853 S Wood St")] + person, port: port)
            _ = try await HTTP.form("/open311/v2/requests.json", [("api_key", TestKeys.public), ("service_code", "NOPE")] + person, port: port)
            _ = try await HTTP.send("POST", "/v1/requests", port: port, body:
                #"{"service_code": "SGA", "address": "4853 S Wood St", "first_name": "Zelda", "last_name": "Quimby", "email": "zelda.q@example.org", "phone": "773-555-0142"}"#,
                key: TestKeys.intake)
            _ = try await HTTP.send("POST", "/v1/requests", port: port, body:
                #"{"service_code": "SGA", "lat": 95, "long": 0, "email": "zelda.q@example.org", "phone": "773-555-0142"}"#,
                key: TestKeys.intake)
            _ = try await HTTP.get("/v1/wards/15/requests", port: port, key: TestKeys.wardOffice)
            // Nor do they reach the metrics, whose labels are routes and statuses.
            let metrics = try await HTTP.get("/metrics", port: port, key: nil)
            #expect(metrics.status == 200 && metrics.text.contains("/open311/v2/requests.json"))
            lines.append(metrics.text)
        }
        let captured = lines.all
        #expect(!captured.isEmpty)
        for secret in ["Zelda", "Quimby", "zelda.q@example.org", "773-555-0142", TestKeys.public, TestKeys.intake] {
            #expect(!captured.contains { $0.contains(secret) }, "\(secret) was logged")
        }
    }
}

/// Every log line (message and metadata) a test's server wrote.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    init(lines: LogLines) { self.lines = lines }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = self.metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.level) \(event.message) \(all)" + (event.error.map { " error=\($0)" } ?? ""))
    }
}
