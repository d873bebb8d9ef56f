import Foundation
import PostgresNIO
import SamespotStore
import SamespotTestSupport
import Testing

/// Scale-out on PostgreSQL's own machinery: reads that may lag go to a replica, writes and the
/// reads that must see them go to the primary; behind a transaction pooler nothing rests on a
/// session.
@Suite struct ScaleOutTests {
    static let base = "/open311/v2"

    /// The "replica" is a second copy of the sample city that never receives the server's
    /// writes: a replica lagging for ever, and a department changed only there shows which
    /// database answered.
    @Test func lagTolerantReadsComeFromTheReplicaAndOwnWritesFromThePrimary() async throws {
        try await TestDatabase.withSampleCityCopy { replica in
            let rows = try await replica.client.query("""
                UPDATE service_requests SET department = 'As The Replica Has It'
                WHERE request_id = (SELECT min(request_id) FROM service_requests WHERE parent_request_id IS NULL)
                RETURNING service_request_id
                """, logger: replica.logger)
            var changed: [String] = []
            for try await id in rows.decode(String.self) { changed.append(id) }
            let marked = try #require(changed.first)

            try await TestServer.withSampleCityCopy(reads: replica.settings) { port, primary in
                // An Open311 read of a stored request: the replica answers.
                let listed = try await HTTP.get("\(Self.base)/requests/\(marked).json", port: port, key: nil)
                #expect(listed.array.first?["agency_responsible"] as? String == "As The Replica Has It")
                // Staff's case view reads the primary: what staff just did must show.
                let staff = try await HTTP.get("/v1/cases/\(marked)", port: port)
                #expect(staff.status == 200)
                #expect(staff.json["department"] as? String != nil)
                #expect(staff.json["department"] as? String != "As The Replica Has It")

                // A resident's app posts, then asks for its request by number and by token:
                // the replica has not seen it, the primary answers.
                let posted = try await HTTP.form("\(Self.base)/requests.json", [
                    ("api_key", TestKeys.public), ("service_code", "PHF"), ("lat", "41.8057"), ("long", "-87.6697"),
                    ("description", "posted to the primary"),
                ], port: port)
                #expect(posted.status == 200)
                let id = try #require(posted.array.first?["service_request_id"] as? String)
                let token = try #require(posted.array.first?["token"] as? String)
                let mine = try await HTTP.get("\(Self.base)/requests/\(id).json", port: port, key: nil)
                #expect(mine.status == 200)
                #expect(mine.array.first?["description"] as? String == "posted to the primary")
                let byToken = try await HTTP.get("\(Self.base)/tokens/\(token).json", port: port, key: nil)
                #expect(byToken.array.first?["service_request_id"] as? String == id)
                // Both, with one the replica has, come from the primary.
                let both = try await HTTP.get("\(Self.base)/requests.json?service_request_id=\(marked),\(id)", port: port, key: nil)
                #expect(Set(both.array.compactMap { $0["service_request_id"] as? String }) == [marked, id])
                // A number neither has is still a 404.
                #expect(try await HTTP.get("\(Self.base)/requests/SR00-NOPE.json", port: port, key: nil).status == 404)

                // The write is on the primary only: the replica was not written to.
                let onPrimary = try await Self.count(id, primary), onReplica = try await Self.count(id, replica)
                #expect((onPrimary, onReplica) == (1, 0))
            }
        }
    }

    static func count(_ id: String, _ db: Database) async throws -> Int {
        for try await n in try await db.client.query(
            "SELECT count(*)::int FROM service_requests WHERE service_request_id = \(id)", logger: db.logger).decode(Int.self) {
            return n
        }
        return -1
    }
}

extension ScaleOutTests {
    /// The whole intake path (locks, candidates, the merge) and matches behind a transaction
    /// pooler's settings: plain queries instead of prepared statements, the same answers.
    @Test func intakeMergesAndMatchesBehindATransactionPooler() async throws {
        try await TestServer.withSampleCityCopy(behindTransactionPooler: true) { port, _ in
            let first = try await MatchTests.intake(#"{"service_code": "GRAF", "lat": 41.80612, "long": -87.66976}"#, port: port)
            let repeated = try await HTTP.send("POST", "/v1/requests", port: port,
                                               body: #"{"service_code": "GRAF", "lat": 41.80613, "long": -87.66976}"#, key: TestKeys.intake)
            #expect(repeated.status == 201)
            #expect(repeated.json["parent_service_request_id"] as? String == first)
            let matches = try await HTTP.get("/v1/matches?service_code=GRAF&lat=41.80612&long=-87.66976", port: port, key: TestKeys.intake)
            #expect(matches.status == 200)
            #expect((matches.json["matches"] as? [[String: Any]])?.first?["service_request_id"] as? String == first)
        }
    }
}
