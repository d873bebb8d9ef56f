import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import SamespotCore
import SamespotHTTP
import SamespotService
import SamespotStore
import SamespotTestSupport
import Testing

/// A client that retries a POST with the same Idempotency-Key gets the same case and creates
/// nothing, on any instance, however the copies race; the same key for another request is a 409.
@Suite struct IdempotencyTests {
    static let body = #"{"service_code": "SFD", "lat": 41.8600, "long": -87.6400, "description": "light out", "first_name": "Ada"}"#

    static func count(_ db: Database, key: String? = nil) async throws -> Int {
        var n = 0
        let query: PostgresQuery = key.map { "SELECT count(*)::int FROM service_requests WHERE idempotency_key LIKE '%:' || \($0)" }
            ?? "SELECT count(*)::int FROM service_requests"
        for try await c in try await db.client.query(query, logger: db.logger).decode(Int.self) { n = c }
        return n
    }

    @Test func aRetryReturnsTheSameCaseAndStoresNothing() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let before = try await Self.count(db)
            let key = UUID().uuidString
            let first = try await HTTP.send("POST", "/v1/requests", port: port, body: Self.body, key: TestKeys.intake,
                                            headers: ["Idempotency-Key": key])
            #expect(first.status == 201 && first.header("Idempotent-Replayed") == nil)
            let again = try await HTTP.send("POST", "/v1/requests", port: port, body: Self.body, key: TestKeys.intake,
                                            headers: ["Idempotency-Key": key])
            #expect(again.status == 201 && again.header("Idempotent-Replayed") == "true")
            #expect(again.json["service_request_id"] as? String == first.json["service_request_id"] as? String)
            #expect(again.json["token"] as? String == first.json["token"] as? String)
            #expect(try await Self.count(db) == before + 1)

            // The same key with another request is refused, and stores nothing.
            let other = try await HTTP.send("POST", "/v1/requests", port: port, body: Self.body.replacingOccurrences(of: "light out", with: "two out"),
                                            key: TestKeys.intake, headers: ["Idempotency-Key": key])
            #expect(other.status == 409 && other.errorMessage?.contains("already used for another request") == true)
            // Another caller's key of the same text is its own.
            let admin = try await HTTP.send("POST", "/v1/requests", port: port, body: Self.body, key: TestKeys.admin,
                                            headers: ["Idempotency-Key": key])
            #expect(admin.status == 201 && admin.json["service_request_id"] as? String != first.json["service_request_id"] as? String)
            #expect(try await Self.count(db) == before + 2)
            for bad in ["", String(repeating: "k", count: 256), "two words"] {
                let reply = try await HTTP.send("POST", "/v1/requests", port: port, body: Self.body, key: TestKeys.intake,
                                                headers: ["Idempotency-Key": bad])
                #expect(reply.status == 400, "\(bad.prefix(10))")
            }

            // A merged request replays its merge: the same parent and the same reasons.
            let child = try await HTTP.send("POST", "/v1/requests", port: port,
                                            body: Self.body.replacingOccurrences(of: "41.8600", with: "41.8601"), key: TestKeys.intake,
                                            headers: ["Idempotency-Key": key + "-2"])
            let replayedChild = try await HTTP.send("POST", "/v1/requests", port: port,
                                                    body: Self.body.replacingOccurrences(of: "41.8600", with: "41.8601"), key: TestKeys.intake,
                                                    headers: ["Idempotency-Key": key + "-2"])
            #expect(child.json["parent_service_request_id"] as? String == first.json["service_request_id"] as? String)
            #expect(replayedChild.json["parent_service_request_id"] as? String == child.json["parent_service_request_id"] as? String)
            let decision = try #require(child.json["decision"] as? [String: Any])
            let replayedDecision = try #require(replayedChild.json["decision"] as? [String: Any])
            #expect(replayedDecision["distance_m"] as? Double == decision["distance_m"] as? Double)
            #expect(replayedDecision["score"] as? Double == decision["score"] as? Double)

            // Joining a caller: the same key joins once.
            let parent = try #require(first.json["service_request_id"] as? String)
            let join = #"{"first_name": "Bo", "phone": "312-555-0199"}"#
            let joined = try await HTTP.send("POST", "/v1/cases/\(parent)/join", port: port, body: join, key: TestKeys.intake,
                                             headers: ["Idempotency-Key": key + "-join"])
            let rejoined = try await HTTP.send("POST", "/v1/cases/\(parent)/join", port: port, body: join, key: TestKeys.intake,
                                               headers: ["Idempotency-Key": key + "-join"])
            #expect(joined.status == 201 && rejoined.status == 201 && rejoined.header("Idempotent-Replayed") == "true")
            #expect(rejoined.json["service_request_id"] as? String == joined.json["service_request_id"] as? String)
        }
    }

    @Test func open311PostsAreIdempotentToo() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let key = UUID().uuidString
            func post(_ description: String) async throws -> Reply {
                let form = [("api_key", TestKeys.public), ("service_code", "SFD"), ("lat", "41.8500"), ("long", "-87.6500"),
                            ("description", description)]
                let body = form.map { "\(HTTP.encode($0.0))=\(HTTP.encode($0.1))" }.joined(separator: "&")
                return try await HTTP.send("POST", "/open311/v2/requests.json", port: port, body: body,
                                           contentType: "application/x-www-form-urlencoded", key: nil, headers: ["Idempotency-Key": key])
            }
            let first = try await post("dark")
            let again = try await post("dark")
            #expect(first.status == 200 && again.status == 200 && again.header("Idempotent-Replayed") == "true")
            #expect(first.array.first?["service_request_id"] as? String == again.array.first?["service_request_id"] as? String)
            let other = try await post("darker")
            #expect(other.status == 409 && other.open311Error?.code == 409)
            #expect(try await Self.count(db, key: key) == 1)
        }
    }

    /// Twenty copies of one request with one key, sent at once to two instances on one
    /// database: one case, and every copy answers it.
    @Test func copiesRacingOnTwoInstancesMakeOneCase() async throws {
        SamespotServer.bootstrapMetrics()
        let snapshot = try await SampleSnapshot.shared.snapshot()
        try await TestDatabase.withSampleCityCopy { db in
            func app() async throws -> some ApplicationProtocol {
                let indexes = CityIndexes(snapshot, catalog: try await CatalogStore(database: db).load(), wardSetName: nil)
                return try SamespotServer.buildApplication(settings: TestServer.settings(db.settings),
                                                           database: Database(settings: db.settings, logger: TestEnvironment.logger),
                                                           indexes: indexes, logger: TestEnvironment.logger)
            }
            let one = try await app(), two = try await app()
            let before = try await Self.count(db)
            let key = UUID().uuidString
            try await one.test(.live) { first in
                try await two.test(.live) { second in
                    let ports = [try #require(first.port), try #require(second.port)]
                    let answers = try await withThrowingTaskGroup(of: Reply.self) { group in
                        for i in 0..<20 {
                            group.addTask {
                                try await HTTP.send("POST", "/v1/requests", port: ports[i % 2], body: Self.body, key: TestKeys.intake,
                                                    headers: ["Idempotency-Key": key])
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(answers.allSatisfy { $0.status == 201 }, "\(answers.map(\.status))")
                    #expect(Set(answers.compactMap { $0.json["service_request_id"] as? String }).count == 1)
                    #expect(answers.filter { $0.header("Idempotent-Replayed") == nil }.count == 1)
                }
            }
            #expect(try await Self.count(db) == before + 1)
        }
    }
}
