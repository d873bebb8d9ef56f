import Foundation
import PostgresNIO
import SamespotCore
import SamespotStore
import SamespotTestSupport
import Testing

/// The merge graph under fire: two `samespot serve` processes on one database take duplicate
/// reports of the same few spots while staff, on both, merge, unmerge, close and reopen cases
/// at random at the same time. Whatever order things land in, the graph stays what every
/// reader assumes: a forest of depth one (no child of a child, no cycle), every child count
/// equal to its children, every child in its parent's status, and every accepted report stored.
@Suite struct MergeGraphTests {
    /// Case numbers the intake answers so far, for the staff to act on.
    actor Book {
        var cases: [String] = []
        func add(_ id: String) { cases.append(id) }
        func pick(_ random: inout SplitMix64) -> String? { cases.isEmpty ? nil : cases[Int(random.next() % UInt64(cases.count))] }
    }

    actor Tally {
        var statuses: [String: [Int: Int]] = [:]
        var serverErrors: [String] = []
        func record(_ what: String, _ reply: Reply) {
            statuses[what, default: [:]][reply.status, default: 0] += 1
            // 503 is an answer: a deadlock PostgreSQL broke between two staff actions, nothing stored, try again.
            if (reply.status >= 500 && reply.status != 503) || reply.status == 0 { serverErrors.append("\(what) → \(reply.status) \(reply.text.prefix(200))") }
        }
    }

    @Test func staffActionsRacingIntakeOnTwoInstancesKeepAForestOfDepthOne() async throws {
        try await IntakeTests.withCity { db in try await TwoProcessRaceTests.withTwoServers(db) { ports in
            let book = Book(), tally = Tally()
            let spots = (0..<6).map { (41.8800 + Double($0) * 0.002, -87.6300) }

            try await withThrowingTaskGroup(of: [String].self) { group in
                // Residents: 4 × 40 reports of six spots (pot holes merge at intake; graffiti does not).
                for worker in 0..<4 {
                    group.addTask {
                        var accepted: [String] = []
                        for i in 0..<40 {
                            let (lat, long) = spots[(worker + i) % spots.count]
                            let code = i % 3 == 0 ? "GRAF" : "PHF"
                            let reply = try await HTTP.send("POST", "/v1/requests", port: ports[(worker + i) % 2],
                                                            body: #"{"service_code": "\#(code)", "lat": \#(lat + Double(i % 4) * 0.00001), "long": \#(long)}"#)
                            await tally.record("intake", reply)
                            if reply.status == 201, let id = reply.json["service_request_id"] as? String {
                                accepted.append(id)
                                await book.add(id)
                            }
                        }
                        return accepted
                    }
                }
                // Staff: 3 × 50 actions on whatever cases exist by then, on either instance.
                for worker in 0..<3 {
                    group.addTask {
                        var random = SplitMix64(seed: UInt64(worker) + 18)
                        for i in 0..<50 {
                            guard let id = await book.pick(&random) else { try await Task.sleep(for: .milliseconds(20)); continue }
                            let port = ports[Int(random.next() % 2)]
                            let (what, path, body): (String, String, String?)
                            switch random.next() % 4 {
                            case 0:
                                let parent = await book.pick(&random) ?? id
                                (what, path, body) = ("merge", "/v1/cases/\(id)/merge", #"{"parent": "\#(parent)"}"#)
                            case 1: (what, path, body) = ("unmerge", "/v1/cases/\(id)/unmerge", nil)
                            case 2: (what, path, body) = ("close", "/v1/cases/\(id)/status", #"{"status": "closed", "note": "done \#(i)"}"#)
                            default: (what, path, body) = ("reopen", "/v1/cases/\(id)/status", #"{"status": "reopened", "note": "came back \#(i)"}"#)
                            }
                            await tally.record(what, try await HTTP.send("POST", path, port: port, body: body))
                        }
                        return []
                    }
                }
                var accepted: [String] = []
                for try await ids in group { accepted += ids }

                var stored: [(Int, Int)] = []
                for try await row in try await db.client.query("""
                    SELECT count(*)::int, count(DISTINCT service_request_id)::int FROM service_requests WHERE service_request_id = ANY(\(accepted))
                    """, logger: db.logger).decode((Int, Int).self) { stored.append(row) }
                #expect(accepted.count > 100)
                #expect(stored.first?.0 == accepted.count, "every accepted report is stored, once")
                #expect(stored.first?.1 == accepted.count)
            }

            let statuses = await tally.statuses
            #expect(await tally.serverErrors == [], "no 500 and no dropped connection")
            // The race was real: staff actions landed, and some were refused as the graph moved.
            for action in ["merge", "unmerge", "close", "reopen"] {
                #expect((statuses[action]?[200] ?? 0) > 0, "some \(action) succeeded: \(statuses[action] ?? [:])")
            }
            #expect(statuses.values.flatMap(\.keys).allSatisfy { [200, 201, 409, 422, 503].contains($0) }, "\(statuses)")

            var graph: [(Int, Int, Int, Int, Int)] = []
            for try await row in try await db.client.query("""
                SELECT
                  (SELECT count(*)::int FROM service_requests c JOIN service_requests p ON p.request_id = c.parent_request_id
                   WHERE p.parent_request_id IS NOT NULL),
                  (SELECT count(*)::int FROM service_requests WHERE parent_request_id = request_id),
                  (SELECT count(*)::int FROM service_requests p
                   WHERE child_count <> (SELECT count(*) FROM service_requests c WHERE c.parent_request_id = p.request_id)),
                  (SELECT count(*)::int FROM service_requests c JOIN service_requests p ON p.request_id = c.parent_request_id
                   WHERE (c.status IN ('closed', 'canceled')) <> (p.status IN ('closed', 'canceled'))),
                  (SELECT count(*)::int FROM service_requests WHERE parent_request_id IS NOT NULL)
                """, logger: db.logger).decode((Int, Int, Int, Int, Int).self) { graph.append(row) }
            let (childrenOfChildren, ownParents, wrongCounts, splitFamilies, children) = try #require(graph.first)
            #expect(childrenOfChildren == 0, "no child of a child")
            #expect(ownParents == 0, "no case is its own parent")
            #expect(wrongCounts == 0, "every child count equals its children")
            #expect(splitFamilies == 0, "a child is open when its parent is, closed when it is")
            #expect(children > 0, "families remain to check")

            // Each case's close and reopen flags (kept by every status change) say what its history says.
            var flags: [(Int, Int)] = []
            for try await row in try await db.client.query("""
                WITH told AS (
                    SELECT request_id, bool_or(status IN ('closed', 'canceled')) AS ever_closed,
                           coalesce(bool_or(previous IN ('closed', 'canceled') AND status NOT IN ('closed', 'canceled')), false) AS reopened
                    FROM (SELECT request_id, status, lag(status) OVER (PARTITION BY request_id ORDER BY changed_at, history_id) AS previous
                          FROM status_history) h
                    GROUP BY request_id
                )
                SELECT count(*) FILTER (WHERE r.parent_request_id IS NULL AND (r.ever_closed <> t.ever_closed OR r.reopened <> t.reopened))::int,
                       count(*) FILTER (WHERE r.reopened)::int
                FROM service_requests r JOIN told t USING (request_id)
                """, logger: db.logger).decode((Int, Int).self) { flags.append(row) }
            let (differing, reopened) = try #require(flags.first)
            #expect(differing == 0, "no case's flags differ from its history")
            #expect(reopened > 0, "some case was reopened after a close")
        } }
    }
}
