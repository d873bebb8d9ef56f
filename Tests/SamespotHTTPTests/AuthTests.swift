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
    /// Each role against each kind of endpoint: what it may do answers, what it may not gets 403,
    /// and no key (or a bad one) gets 401 wherever a key is needed. Statuses other than 401/403
    /// show the request got past the door (a 404 for a case that does not exist, say).
    @Test func eachRoleSeesWhatItShouldAndNothingMore() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            let endpoints: [(String, String, String?, [Role])] = [
                ("GET", "/v1/cases/SR21-00000001", nil, [.intake, .planner, .wardOffice, .admin]),
                ("POST", "/v1/cases/SR21-00000001/notes", #"{"note": "called back"}"#, [.intake, .wardOffice, .admin]),
                ("POST", "/v1/cases/SR21-00000002/status", #"{"status": "in_progress"}"#, [.intake, .admin]),
                ("POST", "/v1/requests", #"{"service_code": "GRAF", "lat": 41.80612, "long": -87.66976}"#, [.intake, .admin]),
                ("GET", "/v1/rules/GRAF", nil, [.intake, .planner, .admin]),
                ("PUT", "/v1/rules/GRAF", #"{"match_unit": "distance", "radius_m": 30, "window_days": 10}"#, [.admin]),
                ("PUT", "/v1/services/GRAF", #"{"service_name": "Graffiti Removal Request"}"#, [.admin]),
                ("GET", "/v1/clusters?min_points=3", nil, [.planner, .wardOffice, .admin]),
                ("GET", "/v1/wards/summary", nil, [.planner, .wardOffice, .admin]),
                ("GET", "/v1/wards/28/requests", nil, [.wardOffice, .admin]),
                ("POST", "/v1/geocode", #"{"addresses": ["4853 S Wood St"]}"#, [.intake, .planner, .admin]),
                ("GET", "/v1/geocode?address=4853+S+Wood+St", nil, [.public, .intake, .planner, .wardOffice, .admin]),
                ("GET", "/v1/matches?address=4853+S+Wood+St", nil, [.public, .intake, .planner, .wardOffice, .admin]),
                ("GET", "/v1/services", nil, [.public, .intake, .planner, .wardOffice, .admin]),
                ("POST", "/v1/cases/SR21-00000003/assignment", #"{"department": "Streets and Sanitation"}"#, [.intake, .admin]),
                ("POST", "/v1/cases/SR21-00000003/expedite", #"{"reason": "press"}"#, [.intake, .admin]),
                ("POST", "/v1/cases/SR21-00000003/actions", #"{"description": "crew sent"}"#, [.intake, .admin]),
                ("POST", "/v1/cases/SR21-00000003/deadline", #"{"respond_by": "2099-12-15", "reason": "parts"}"#, [.intake, .admin]),
                ("POST", "/v1/cases/SR21-00000001/evaluation", #"{"rating": 4}"#, [.intake, .admin]),
                ("POST", "/v1/cases/SR21-00000001/documents?file_name=a.txt", "call notes", [.intake, .wardOffice, .admin]),
                ("GET", "/v1/cases/SR21-00000001/documents/1", nil, [.intake, .admin]),
                ("GET", "/v1/departments", nil, [.intake, .planner, .wardOffice, .admin]),
                ("PUT", "/v1/departments/NEW", #"{"name": "New department"}"#, [.admin]),
                ("GET", "/v1/staff", nil, [.intake, .planner, .wardOffice, .admin]),
                ("POST", "/v1/staff", #"{"name": "A Person", "department": "NEW"}"#, [.admin]),
                ("GET", "/v1/routing", nil, [.intake, .planner, .wardOffice, .admin]),
                ("PUT", "/v1/routing", #"{"rules": []}"#, [.admin]),
                ("GET", "/v1/letters/templates", nil, [.admin]),
                ("GET", "/v1/outbox", nil, [.admin]),
                ("POST", "/v1/outbox/sent", #"{"message_ids": [1]}"#, [.admin]),
                ("GET", "/v1/reports/cases", nil, [.planner, .wardOffice, .admin]),
                ("GET", "/v1/reports/unresolved", nil, [.planner, .wardOffice, .admin]),
                ("GET", "/v1/reports/expedited.csv", nil, [.planner, .wardOffice, .admin]),
            ]
            for (method, path, body, allowed) in endpoints {
                for role in Role.allCases {
                    let reply = try await HTTP.send(method, path, port: port, body: body, key: TestKeys.key(for: role))
                    if allowed.contains(role) {
                        #expect(![401, 403].contains(reply.status) && reply.status < 500, "\(role) \(method) \(path): \(reply.status) \(reply.text.prefix(120))")
                    } else {
                        #expect(reply.status == 403, "\(role) \(method) \(path): \(reply.status)")
                        #expect(reply.errorMessage?.contains("may not") == true)
                    }
                }
                let anonymous = try await HTTP.send(method, path, port: port, body: body, key: nil)
                let revoked = try await HTTP.send(method, path, port: port, body: body, key: TestKeys.revoked)
                let unknown = try await HTTP.send(method, path, port: port, body: body, key: "ssk_not_a_key")
                if allowed.contains(.public) {
                    #expect(anonymous.status < 400, "anonymous \(method) \(path)")
                } else {
                    #expect(anonymous.status == 401, "anonymous \(method) \(path)")
                    #expect(anonymous.header("WWW-Authenticate") == #"Bearer realm="samespot""#)
                    #expect(anonymous.errorMessage == #"this endpoint needs an API key: send it as "Authorization: Bearer <key>""#)
                }
                // A key that is wrong is refused even where none is needed: the caller should know.
                #expect(revoked.status == 401 && unknown.status == 401, "\(method) \(path)")
                #expect(unknown.errorMessage == "the API key is not valid or has been revoked")
            }
            // The X-API-Key header works as well as Authorization.
            let header = try await HTTP.send("GET", "/v1/wards/summary", port: port, key: nil, headers: ["X-API-Key": TestKeys.planner])
            #expect(header.status == 200)
        }
    }

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

    /// Requester names, emails and phones never reach the logs, even at trace level, whatever
    /// the endpoint and whether the request succeeds or fails.
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

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let all = self.metadata.merging(extra ?? [:]) { $1 }
        lines.append("\(level) \(message) \(all)")
    }
}
