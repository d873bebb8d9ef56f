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

    /// Requesters with no case: a retry must not leave the resident's name behind, unattached.
    static func unattachedRequesters(_ db: Database) async throws -> Int {
        var n = 0
        for try await c in try await db.client.query("""
            SELECT count(*)::int FROM requesters r WHERE NOT EXISTS (SELECT 1 FROM service_requests s WHERE s.requester_id = r.requester_id)
            """, logger: db.logger).decode(Int.self) { n = c }
        return n
    }

    @Test func aRetryReturnsTheSameCaseAndStoresNothing() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let before = try await Self.count(db)
            let unattached = try await Self.unattachedRequesters(db)
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
            // A request never merged (its address not found, so no point): its retry has no
            // candidate, not even the case it stored, and still stores nothing.
            let unplaced = #"{"service_code": "SFD", "address": "1 Nowhere Such Pl", "first_name": "Ada"}"#
            for _ in 0..<2 {
                let reply = try await HTTP.send("POST", "/v1/requests", port: port, body: unplaced, key: TestKeys.intake,
                                                headers: ["Idempotency-Key": key + "-unplaced"])
                #expect(reply.status == 201)
            }
            #expect(try await Self.count(db) == before + 3)
            #expect(try await Self.unattachedRequesters(db) == unattached)
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

    /// The other POSTs take the key too (here notes and status changes): a retry answers the
    /// same and changes nothing, the key with another body is a 409, copies racing make one
    /// change (the claim is a row in PostgreSQL, so copies on two instances race the same way),
    /// and a request that failed frees its key.
    @Test func caseChangesAreIdempotentToo() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let created = try await HTTP.send("POST", "/v1/requests", port: port, body: Self.body, key: TestKeys.intake)
            let id = try #require(created.json["service_request_id"] as? String)
            @Sendable func send(_ path: String, _ body: String, key: String) async throws -> Reply {
                try await HTTP.send("POST", "/v1/cases/\(id)/\(path)", port: port, body: body, key: TestKeys.intake, headers: ["Idempotency-Key": key])
            }
            func notes() async throws -> Int {
                var n = -1
                for try await c in try await db.client.query("""
                    SELECT count(*)::int FROM case_notes JOIN service_requests USING (request_id) WHERE service_request_id = \(id)
                    """, logger: db.logger).decode(Int.self) { n = c }
                return n
            }
            let key = UUID().uuidString
            let first = try await send("notes", #"{"note": "called the resident back"}"#, key: key)
            let again = try await send("notes", #"{"note": "called the resident back"}"#, key: key)
            #expect(first.status == 201 && first.header("Idempotent-Replayed") == nil)
            #expect(again.status == 201 && again.header("Idempotent-Replayed") == "true" && again.data == first.data)
            #expect(again.header("Content-Type") == first.header("Content-Type"))
            #expect(try await notes() == 1)
            let other = try await send("notes", #"{"note": "called twice"}"#, key: key)
            #expect(other.status == 409 && other.errorMessage?.contains("already used for another request") == true)
            #expect(try await notes() == 1)

            // Ten copies at once: one note; each copy answers it or is told to come back.
            let racing = UUID().uuidString
            let copies = await HTTP.all(10) { _ in try await send("notes", #"{"note": "crew on site"}"#, key: racing) }
            #expect(copies.filter { $0.status == 201 && $0.header("Idempotent-Replayed") == nil }.count == 1, "\(copies.map(\.status))")
            #expect(copies.allSatisfy { $0.status == 201 || ($0.status == 409 && $0.header("Retry-After") == "1") }, "\(copies.map(\.status))")
            #expect(try await notes() == 2)

            // A refused request frees its key: corrected, it runs once.
            let status = UUID().uuidString
            let refused = try await send("status", #"{"status": "flying"}"#, key: status)
            #expect((400..<500).contains(refused.status))
            let moved = try await send("status", #"{"status": "in_progress"}"#, key: status)
            let movedAgain = try await send("status", #"{"status": "in_progress"}"#, key: status)
            #expect(moved.status == 200 && moved.header("Idempotent-Replayed") == nil, "\(moved.status) \(moved.text.prefix(200))")
            #expect(movedAgain.status == 200 && movedAgain.header("Idempotent-Replayed") == "true" && movedAgain.data == moved.data)
            // Another caller's key of the same text is its own: the admin's copy runs.
            let admin = try await HTTP.send("POST", "/v1/cases/\(id)/notes", port: port, body: #"{"note": "called the resident back"}"#,
                                            key: TestKeys.admin, headers: ["Idempotency-Key": key])
            #expect(admin.status == 201 && admin.header("Idempotent-Replayed") == nil)
            #expect(try await notes() == 3)
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
                    let answers = await HTTP.all(20) { i in
                        try await HTTP.send("POST", "/v1/requests", port: ports[i % 2], body: Self.body, key: TestKeys.intake,
                                            headers: ["Idempotency-Key": key])
                    }
                    #expect(answers.allSatisfy { $0.status == 201 }, "\(answers.map(\.status))")
                    #expect(Set(answers.compactMap { $0.json["service_request_id"] as? String }).count == 1)
                    #expect(answers.filter { $0.header("Idempotent-Replayed") == nil }.count == 1)
                }
            }
            #expect(try await Self.count(db) == before + 1)
            // A report about no spot takes no spot's locks, so its copies race in PostgreSQL
            // itself, on the key's unique index: still one case, and no name left by the losers.
            let unattached = try await Self.unattachedRequesters(db)
            let noSpot = #"{"service_code": "AVN", "lat": 41.9786, "long": -87.9048, "description": "low jets", "first_name": "Ada"}"#
            let noSpotKey = UUID().uuidString
            let three = try await app(), four = try await app()  // an application runs once
            try await three.test(.live) { first in
                try await four.test(.live) { second in
                    let ports = [try #require(first.port), try #require(second.port)]
                    let answers = await HTTP.all(20) { i in
                        try await HTTP.send("POST", "/v1/requests", port: ports[i % 2], body: noSpot, key: TestKeys.intake,
                                            headers: ["Idempotency-Key": noSpotKey])
                    }
                    #expect(answers.allSatisfy { $0.status == 201 }, "\(answers.map(\.status))")
                    #expect(Set(answers.compactMap { $0.json["service_request_id"] as? String }).count == 1)
                }
            }
            #expect(try await Self.count(db) == before + 2)
            #expect(try await Self.unattachedRequesters(db) == unattached)
        }
    }
}
