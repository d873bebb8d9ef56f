import Foundation
import PostgresNIO
import SamespotCore
import SamespotGeo
import SamespotService
import SamespotStore
import SamespotTestSupport
import Testing

/// The customer-service report and the city's own merges, on the sample city with real history
/// loaded, checked against figures the test computes itself from the raw rows.
@Suite struct ReportTests {
    struct Row {
        var code: String
        var isCase: Bool
        var status: CaseStatus
        var requested: Double
        var acknowledged: Double?
        var closed: Double?
        var acknowledgeDue: Double?
        var respondDue: Double?
    }

    /// percentile_cont: linear between the two nearest ranks.
    static func percentile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = p * Double(sorted.count - 1)
        let low = Int(rank.rounded(.down)), high = Int(rank.rounded(.up))
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - Double(low))
    }

    @Test func customerServiceReportMatchesCountsFromTheRows() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            // The older per-type pothole sample: a real year with closures and the city's "- Dup" marks.
            let file = "history/pot-holes.csv"
            _ = try await ImportService(database: db).requests(try TestEnvironment.data(file), file: file, city: TestEnvironment.city,
                                                               projections: try ProjectionPool(targetEPSG: TestEnvironment.city.metricEPSG))
            let reply = try await HTTP.get("/v1/reports/cases?from=2000-01-01&to=2021-12-31&by=type", port: port, key: TestKeys.planner)
            #expect(reply.status == 200)
            let rows = try #require(reply.json["rows"] as? [[String: Any]])

            var raw: [Row] = []
            let now = Date().timeIntervalSince1970
            for try await (code, parent, status, requested, ack, closed, ackDue, respondDue) in try await db.client.query("""
                SELECT service_code, parent_request_id, status, extract(epoch FROM requested_at)::float8,
                       extract(epoch FROM acknowledged_at)::float8, extract(epoch FROM closed_at)::float8,
                       extract(epoch FROM acknowledge_due_at)::float8, extract(epoch FROM respond_due_at)::float8
                FROM service_requests WHERE requested_at >= '2000-01-01' AND requested_at < '2022-01-01'
                """, logger: db.logger).decode((String, Int64?, String, Double, Double?, Double?, Double?, Double?).self) {
                raw.append(Row(code: code, isCase: parent == nil, status: CaseStatus(rawValue: status) ?? .open, requested: requested,
                               acknowledged: ack, closed: closed, acknowledgeDue: ackDue, respondDue: respondDue))
            }
            let byCode = Dictionary(grouping: raw, by: \.code)
            #expect(rows.count == byCode.count)
            #expect(raw.count > 900 && byCode.values.contains { $0.count > 900 })
            for row in rows {
                let code = try #require(row["key"] as? String)
                let mine = try #require(byCode[code])
                let cases = mine.filter(\.isCase)
                #expect(row["received"] as? Int == mine.count, "\(code)")
                #expect(row["cases"] as? Int == cases.count, "\(code)")
                #expect(row["duplicates_merged"] as? Int == mine.count - cases.count, "\(code)")
                #expect(row["open"] as? Int == cases.filter { $0.status.isOpen }.count, "\(code)")
                #expect(row["closed"] as? Int == cases.filter { !$0.status.isOpen }.count, "\(code)")
                let checks = cases.map {
                    DeadlineCheck(acknowledgeDue: $0.acknowledgeDue, acknowledgedAt: $0.acknowledged, respondDue: $0.respondDue,
                                  closedAt: $0.closed, now: now)
                }
                #expect(row["acknowledge_breaches"] as? Int == checks.filter(\.acknowledgeBreached).count, "\(code)")
                #expect(row["respond_breaches"] as? Int == checks.filter(\.respondBreached).count, "\(code)")
                let closeDays = cases.compactMap { c in c.closed.map { ($0 - c.requested) / 86_400 } }
                for (key, expected) in [("close_days_median", Self.percentile(closeDays, 0.5)), ("close_days_p90", Self.percentile(closeDays, 0.9))] {
                    if let expected {
                        #expect(abs((row[key] as? Double ?? .nan) - expected) < 1e-6, "\(code) \(key)")
                    } else {
                        #expect(row[key] == nil, "\(code) \(key)")
                    }
                }
            }
            // The same requests by ward and by department add up to the same total.
            for by in ["ward", "department"] {
                let other = try #require(try await HTTP.get("/v1/reports/cases?from=2000-01-01&to=2021-12-31&by=\(by)&ward_set=chicago-2015",
                                                            port: port).json["rows"] as? [[String: Any]])
                #expect(other.reduce(0) { $0 + ($1["received"] as? Int ?? 0) } == raw.count, "\(by)")
            }
            let csv = try await HTTP.get("/v1/reports/cases.csv?from=2000-01-01&to=2021-12-31&by=type", port: port)
            #expect(csv.text.split(separator: "\r\n").count == rows.count + 1)
            #expect(try await HTTP.get("/v1/reports/cases?by=color", port: port).status == 400)
            #expect(try await HTTP.get("/v1/reports/cases", port: port, key: TestKeys.intake).status == 403)

            // Unresolved cases: every open case, by department, and one department's own list.
            let unresolved = try await HTTP.get("/v1/reports/unresolved?limit=10000", port: port)
            var openCases = 0
            for try await n in try await db.client.query("""
                SELECT count(*)::int FROM service_requests WHERE parent_request_id IS NULL AND status NOT IN ('closed', 'canceled')
                """, logger: db.logger).decode(Int.self) { openCases = n }
            #expect(unresolved.json["count"] as? Int == openCases)
            let list = try #require(unresolved.json["cases"] as? [[String: Any]])
            if let department = list.first?["department"] as? String {
                let one = try await HTTP.get("/v1/reports/unresolved?limit=10000&department=\(HTTP.encode(department))", port: port)
                #expect(one.json["count"] as? Int == list.filter { $0["department"] as? String == department }.count)
            }
        }
    }

    /// The city's own parent links are merges of kind `city`: every child whose parent is in
    /// the data is under it, counts follow, and reports count them as duplicates.
    @Test func theCitysParentLinksAreMerges() async throws {
        try await TestDatabase.withSampleCity { db in
            var expected: [(child: Int64, parent: Int64)] = []
            for try await pair in try await db.client.query("""
                SELECT c.request_id, p.request_id FROM service_requests c
                JOIN service_requests p ON p.service_request_id = c.city_parent_id AND p.service_code = c.service_code
                ORDER BY 1
                """, logger: db.logger).decode((Int64, Int64).self) { expected.append(pair) }
            #expect(expected.count > 10)
            var linked: [(child: Int64, parent: Int64)] = []
            for try await pair in try await db.client.query("""
                SELECT d.request_id, r.parent_request_id FROM dedup_decisions d JOIN service_requests r USING (request_id)
                WHERE d.kind = 'city' AND d.reverted_at IS NULL ORDER BY 1
                """, logger: db.logger).decode((Int64, Int64?).self) { linked.append((pair.0, pair.1 ?? -1)) }
            #expect(linked.map(\.child) == expected.map(\.child))
            #expect(linked.map(\.parent) == expected.map(\.parent))
            for try await wrong in try await db.client.query("""
                SELECT count(*)::int FROM service_requests p
                WHERE p.child_count <> (SELECT count(*) FROM service_requests c WHERE c.parent_request_id = p.request_id)
                """, logger: db.logger).decode(Int.self) {
                #expect(wrong == 0)
            }
        }
    }
}
