import Foundation
import PostgresNIO
@testable import SamespotStore
import SamespotTestSupport
import Testing

/// Intake's read of a spot's candidate parents (`samespot_open_roots_near`, migration 15) reads
/// the spot's rows on their indexes, even when the statistics still describe a table with few
/// open cases: the plan PostgreSQL caches for intake is made from those statistics, and a city's
/// open cases can grow by thousands before the next ANALYZE.
@Suite struct CandidateReadTests {
    /// Every "Rows Removed by Filter" and the rows the scans returned, over a JSON plan's tree.
    static func rowsRead(_ node: [String: Any]) -> (dropped: Int, returned: Int) {
        var dropped = node["Rows Removed by Filter"] as? Int ?? 0
        var returned = (node["Node Type"] as? String)?.hasSuffix("Scan") == true ? node["Actual Rows"] as? Int ?? 0 : 0
        for child in node["Plans"] as? [[String: Any]] ?? [] {
            let (d, r) = rowsRead(child)
            dropped += d
            returned += r
        }
        return (dropped, returned)
    }

    @Test func aSpotsCandidatesAreReadOnTheirIndexesWhenTheStatisticsAreStale() async throws {
        try await TestDatabase.withSampleCityCopy { db in
            try await db.client.withConnection { connection in
                func run(_ sql: String) async throws { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: db.logger) }
                try await run("ANALYZE service_requests")
                // After the statistics: 3,000 open potholes in cells of their own (fewer rows than
                // the tenth of the table that starts an automatic ANALYZE), two in the spot's cell,
                // one at its address (in another cell) and one on its block.
                try await run("""
                    INSERT INTO service_requests (service_request_id, service_code, requested_at, updated_at, grid_cell, x_m, y_m,
                                                  address_key, block_key)
                    SELECT 'T' || i, 'PHF', now(), now(), 9000000 + i, i, i, '', '' FROM generate_series(1, 3000) AS i
                    UNION ALL SELECT 'T-cell-' || i, 'PHF', now(), now(), 8000000, 0, 0, '', '' FROM generate_series(1, 2) AS i
                    UNION ALL SELECT 'T-address', 'PHF', now(), now(), 8000001, 0, 0, '1 N TEST ST', '0 N TEST ST'
                    UNION ALL SELECT 'T-block', 'PHF', now(), now(), 8000002, 0, 0, '7 N TEST ST', '0 N TEST ST'
                    UNION ALL SELECT 'T-other-type', 'GRAF', now(), now(), 8000000, 0, 0, '1 N TEST ST', '0 N TEST ST'
                    """)
                // A generic plan, as intake's cached statements use once they have run a few times.
                try await run("SET plan_cache_mode = force_generic_plan")
                try await run("PREPARE candidates(text, int8[], text, text) AS SELECT * FROM samespot_open_roots_near($1, $2, $3, $4)")
                let rows = try await connection.query(
                    "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE candidates('PHF', '{8000000, 7999999}', '1 N TEST ST', '0 N TEST ST')",
                    logger: db.logger)
                var plans: [String] = []
                for try await plan in rows.decode(String.self) { plans.append(plan) }
                let text = try #require(plans.first)
                let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
                let plan = try #require(document.first?["Plan"] as? [String: Any])
                #expect(plan["Actual Rows"] as? Int == 4, "two in the cell, one at the address, one on the block (the address's row once)")
                let (dropped, returned) = Self.rowsRead(plan)
                #expect(dropped == 0, "no row read and then dropped by a filter; the plan: \(plan)")
                #expect(returned <= 6, "each condition's rows only (the address's row is also on the block): \(returned)")
            }
        }
    }
}
