import Foundation
import PostgresNIO
import SamespotGeo
import SamespotStore
import SamespotTestSupport
import Testing

@Suite struct SampleCityTests {
    @Test func sampleCityLoadsEveryKind() async throws {
        try await TestDatabase.withSampleCity { db in
            let counts = try await CityCounts.read(from: db)
            #expect(counts.addressPoints == 45_220)
            #expect(counts.streets == 2_582)
            #expect(counts.intersections == 24_048)
            #expect(counts.wardSets == 3)
            #expect(counts.wards == 151)
            #expect(counts.requests == 2_953)
            #expect(counts.serviceTypes > 50)
            #expect(!counts.estimated)
        }
    }

    /// Past the exact-count limit a table is reported from the statistics ANALYZE keeps, and the
    /// counts say so; a table under it is still counted row by row.
    @Test func bigTablesAreReportedFromTheStatistics() async throws {
        try await TestDatabase.withSampleCityCopy { db in
            _ = try await db.client.query("ANALYZE address_points, intersections, service_requests", logger: db.logger)
            // 24,048 intersections and 45,220 address points are "big" at a limit of 30,000;
            // 2,953 requests are not. A row the statistics have not seen shows which was counted.
            _ = try await db.client.query("DELETE FROM address_points WHERE address_id = (SELECT min(address_id) FROM address_points)",
                                          logger: db.logger)
            let counts = try await CityCounts.read(from: db, exactCountLimit: 30_000)
            #expect(counts.estimated)
            #expect(counts.addressPoints == 45_220, "the statistics, taken before the delete")
            #expect(counts.intersections == 24_048)
            #expect(counts.requests == 2_953)
            #expect(try await CityCounts.read(from: db).addressPoints == 45_219, "counted exactly under the default limit")
            #expect(try await CityCounts.holdsRequests(db))
        }
    }

    /// Stored requests placed in the 2015–2023 wards agree with the city's own ward column as
    /// an exact point-in-polygon does (99.4 %, SOURCES.md).
    @Test func storedWardsAgreeWithTheCitysColumn() async throws {
        try await TestDatabase.withSampleCity { db in
            let rows = try await db.client.query("""
                SELECT count(*) FILTER (WHERE w.ward = r.city_ward)::int, count(*)::int
                FROM service_requests r JOIN request_wards w USING (request_id) JOIN ward_sets s USING (ward_set_id)
                WHERE s.name = 'chicago-2015' AND r.city_ward <> ''
                """, logger: db.logger)
            for try await (agree, total) in rows.decode((Int, Int).self) {
                #expect(total == 2_951)
                #expect(Double(agree) / Double(total) >= 0.993, "\(agree)/\(total)")
            }
        }
    }

    @Test func eachRequestIsPlacedInEverySetAndProjected() async throws {
        try await TestDatabase.withSampleCity { db in
            let rows = try await db.client.query("""
                SELECT (SELECT count(*) FROM request_wards)::int,
                       (SELECT count(*) FROM service_requests WHERE x_m IS NULL AND longitude IS NOT NULL)::int,
                       (SELECT x_m FROM service_requests WHERE service_request_id = 'SR21-00000001')
                """, logger: db.logger)
            for try await (placed, unprojected, x) in rows.decode((Int, Int, Double).self) {
                #expect(placed == 3 * 2_953)
                #expect(unprojected == 0)
                #expect(abs(x - 354_249.19) < 0.01)  // cs2cs EPSG:4326 → EPSG:26971 for 2111 W Lexington St
            }
        }
    }

    /// An imported case's history reads received, then its status now, even when both carry
    /// one time (closed the minute it came in): history ids break such ties, and reports count
    /// a close followed by "open" as a reopening.
    @Test func importedHistoryIsInOrderSoNothingReadsAsReopened() async throws {
        try await TestDatabase.withSampleCity { db in
            let rows = try await db.client.query("""
                SELECT count(*) FILTER (WHERE o.history_id > c.history_id)::int,
                       count(*) FILTER (WHERE o.changed_at = c.changed_at)::int
                FROM status_history o JOIN status_history c USING (request_id)
                WHERE o.actor = 'import' AND o.note = 'received' AND c.actor = 'import' AND c.status <> 'open'
                """, logger: db.logger)
            for try await (outOfOrder, sameTime) in rows.decode((Int, Int).self) {
                #expect(outOfOrder == 0)
                #expect(sameTime > 100)  // the case the order matters for is in the data
            }
        }
    }

    @Test func importingTheSameRequestsAgainAddsNothing() async throws {
        try await TestDatabase.withFresh { db in
            let bytes = try TestEnvironment.data(SampleCity.requestsFile)
            let importer = RequestImporter(database: db, city: TestEnvironment.city, projections: try ProjectionPool(targetEPSG: 26971))
            let first = try await importer.importCSV(bytes, file: "a.csv")
            let second = try await importer.importCSV(bytes, file: "a.csv")
            #expect(first.rowsWritten == 2_953)
            #expect(second.rowsRead == 2_953 && second.rowsWritten == 0)
        }
    }

    @Test func reaggregatingToAnotherSetPlacesEveryRequest() async throws {
        try await TestDatabase.withFresh { db in
            let store = WardSetStore(database: db)
            let importer = RequestImporter(database: db, city: TestEnvironment.city, projections: try ProjectionPool(targetEPSG: 26971))
            _ = try await importer.importCSV(try TestEnvironment.data(SampleCity.requestsFile), file: "r.csv")
            _ = try await store.importGeoJSON(Data(try TestEnvironment.data("wards-2023.geojson")), file: "w.geojson", name: "new-map")
            let set = try await store.set(named: "new-map")
            #expect(set.wardCount == 50)
            let placed = try await store.assignRequests(toSet: set, onlyMissing: false)
            #expect(placed == 2_953)
            let rows = try await db.client.query(
                "SELECT count(*) FILTER (WHERE ward IS NOT NULL)::int FROM request_wards WHERE ward_set_id = \(set.id)", logger: db.logger)
            for try await inWard in rows.decode(Int.self) { #expect(inWard == 2_951) }
            await #expect(throws: StoreError.self) { _ = try await store.set(named: "no-such-map") }
        }
    }
}
