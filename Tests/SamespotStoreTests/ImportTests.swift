import Foundation
import PostgresNIO
import SamespotCore
import SamespotGeo
import SamespotStore
import SamespotTestSupport
import Synchronization
import Testing

@Suite struct ImportTests {
    static let header = "house_number,pre_direction,street_name,street_type,zip_code,longitude,latitude\n"

    static func count(_ table: String, _ db: Database) async throws -> Int {
        let rows = try await db.client.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM \(table)"), logger: db.logger)
        for try await n in rows.decode(Int.self) { return n }
        return -1
    }

    @Test func malformedAddressRowReportsItsLineAndCommitsNothing() async throws {
        try await TestDatabase.withFresh { db in
            let importer = ReferenceDataImporter(database: db)
            let good = Self.header + "100,N,STATE,ST,60602,-87.6278,41.8827\n200,N,STATE,ST,60601,-87.6278,41.8840\n"
            _ = try await importer.importAddressPoints(csv: Array(good.utf8), file: "good.csv")
            #expect(try await Self.count("address_points", db) == 2)

            // Line 4 has a house number that is not a number; rows 2 and 3 are fine.
            let bad = Self.header + "300,N,STATE,ST,60601,-87.6278,41.8850\n400,N,STATE,ST,60601,-87.6278,41.8860\nfour hundred,N,STATE,ST,60601,-87.6,41.8\n"
            await #expect {
                _ = try await importer.importAddressPoints(csv: Array(bad.utf8), file: "bad.csv", replace: true)
            } throws: { error in
                String(describing: error) == "bad.csv: line 4, column \"house_number\": \"four hundred\" is not a whole number; nothing was imported"
            }
            // Nothing of the bad file was written, and the replace did not empty the table.
            let rows = try await db.client.query("SELECT full_address FROM address_points ORDER BY house_number", logger: db.logger)
            var addresses: [String] = []
            for try await a in rows.decode(String.self) { addresses.append(a) }
            #expect(addresses == ["100 N STATE ST", "200 N STATE ST"])
        }
    }

    /// A big file is checked on every core, in parts; the error names the file's first bad
    /// line, not whichever part finished first.
    @Test func aBigFileNamesItsFirstBadLine() async throws {
        try await TestDatabase.withFresh { db in
            func file(badLines: Set<Int>) -> [UInt8] {
                var text = Self.header
                for line in 2...40_001 {
                    text += badLines.contains(line) ? "x\(line),N,STATE,ST,60601,-87.6278,41.8850\n" : "\(line),N,STATE,ST,60601,-87.6278,41.8850\n"
                }
                return Array(text.utf8)
            }
            let importer = ReferenceDataImporter(database: db)
            for (bad, first) in [([35_000, 7_000], 7_000), ([39_999], 39_999)] {
                await #expect {
                    _ = try await importer.importAddressPoints(csv: file(badLines: Set(bad)), file: "big.csv")
                } throws: { error in
                    String(describing: error).hasPrefix("big.csv: line \(first), column \"house_number\"")
                }
            }
            _ = try await importer.importAddressPoints(csv: file(badLines: []), file: "big.csv")
            #expect(try await Self.count("address_points", db) == 40_000)
        }
    }

    @Test func aRowTheDatabaseRefusesRollsBackTheWholeFile() async throws {
        try await TestDatabase.withFresh { db in
            // Every row parses, but the second repeats a tracking number: the file is refused whole.
            let csv = """
                sr_number,sr_type,sr_short_code,status,created_date,latitude,longitude
                SR-1,Graffiti Removal Request,GRAF,Open,2021-01-01T10:00:00,41.88,-87.63
                SR-1,Graffiti Removal Request,GRAF,Open,2021-01-01T11:00:00,41.88,-87.63
                """
            let importer = RequestImporter(database: db, city: TestEnvironment.city, projections: try ProjectionPool(targetEPSG: 26971))
            await #expect(throws: ImportError.self) { _ = try await importer.importCSV(Array(csv.utf8), file: "dupes.csv") }
            #expect(try await Self.count("service_requests", db) == 0)
            #expect(try await Self.count("service_types", db) == 0)
        }
    }

    /// A load bigger than the table builds the plain indexes and checks the foreign keys once
    /// afterwards: the same indexes and keys come back, the rows and the city's links are stored, and a small file later is
    /// stored with the indexes in place.
    @Test func aBulkLoadBuildsTheIndexesAgainAfterwards() async throws {
        try await TestDatabase.withFresh { db in
            func indexes() async throws -> [String] {
                var found: [String] = []
                for try await definition in try await db.client.query("""
                    SELECT pg_get_indexdef(indexrelid) FROM pg_index
                    WHERE indrelid IN ('service_requests'::regclass, 'status_history'::regclass, 'request_wards'::regclass)
                    UNION ALL
                    SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
                    WHERE contype = 'f' AND conrelid IN ('service_requests'::regclass, 'status_history'::regclass, 'request_wards'::regclass)
                    ORDER BY 1
                    """, logger: db.logger).decode(String.self) { found.append(definition) }
                return found
            }
            let before = try await indexes()
            #expect(before.count > 10)
            let importer = RequestImporter(database: db, city: TestEnvironment.city, projections: try ProjectionPool(targetEPSG: 26971),
                                           bulkLoadRows: 3)
            let stages = Mutex<Set<String>>([])
            let progress: ImportProgress = { stage, _, _ in stages.withLock { _ = $0.insert(stage) } }

            let summary = try await importer.importCSV(Array(RetentionTests.history.utf8), file: "history.csv", progress: progress)
            #expect(summary.rowsWritten == 6)
            #expect(stages.withLock { $0.contains("building indexes and checking keys") })
            #expect(try await indexes() == before)
            #expect(try await Self.count("status_history", db) == 10)
            #expect(try await Self.count("dedup_decisions", db) == 2, "the city's two links")

            // Three rows over six stored: kept row by row.
            stages.withLock { $0.removeAll() }
            _ = try await importer.importCSV(Array("""
                sr_number,sr_type,sr_short_code,status,created_date,latitude,longitude
                F1,Graffiti Removal Request,GRAF,Open,2021-01-01T10:00:00,41.88,-87.63
                F2,Graffiti Removal Request,GRAF,Open,2021-01-01T11:00:00,41.88,-87.63
                F3,Graffiti Removal Request,GRAF,Open,2021-01-01T12:00:00,41.88,-87.63
                """.utf8), file: "small.csv", progress: progress)
            #expect(stages.withLock { !$0.contains("building indexes and checking keys") && $0.contains("storing") })
            #expect(try await Self.count("service_requests", db) == 9)
        }
    }

    @Test func requestTextRoundTripsThroughCopyIntact() async throws {
        try await TestDatabase.withFresh { db in
            let description = "Pothole\tby the curb\r\nbackslash \\ and ünïcödé, \"quoted\""
            let csv = "sr_number,sr_type,status,created_date,description,latitude,longitude\r\n"
                + "SR-7,Pothole in Street,Open,2021-01-01T10:00:00,\"\(description.replacingOccurrences(of: "\"", with: "\"\""))\",41.88,-87.63\r\n"
            let importer = RequestImporter(database: db, city: TestEnvironment.city, projections: try ProjectionPool(targetEPSG: 26971))
            let summary = try await importer.importCSV(Array(csv.utf8), file: "text.csv")
            #expect(summary.rowsWritten == 1)
            let rows = try await db.client.query(
                "SELECT description, service_code, requested_at_precision FROM service_requests", logger: db.logger)
            for try await (text, code, precision) in rows.decode((String, String, String).self) {
                #expect(text == description)
                #expect(code == "POTHOLE_IN_STREET")
                #expect(precision == "time")
            }
        }
    }

    @Test func localTimesTakeTheCitysZoneAndDateOnlyRowsAreMarked() async throws {
        try await TestDatabase.withFresh { db in
            let csv = """
                Creation Date,Status,Completion Date,Service Request Number,Type of Service Request,Street Address,Latitude,Longitude
                2011-07-04,Completed - Dup,2011-07-05,11-1,Pot Hole in Street,4853 S WOOD,41.8057,-87.6697
                2011-01-31T13:05:00,Completed,2011-02-01T08:00:00,11-2,Pot Hole in Street,4837 S DAMEN,41.8060,-87.6746
                """
            let importer = RequestImporter(database: db, city: TestEnvironment.city, projections: try ProjectionPool(targetEPSG: 26971))
            _ = try await importer.importCSV(Array(csv.utf8), file: "old.csv")
            let rows = try await db.client.query("""
                SELECT service_request_id, to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), requested_at_precision,
                       status, city_duplicate, (SELECT count(*)::int FROM status_history h WHERE h.request_id = r.request_id)
                FROM service_requests r ORDER BY service_request_id
                """, logger: db.logger)
            var seen: [String] = []
            for try await (id, utc, precision, status, duplicate, history) in rows.decode((String, String, String, String, Bool, Int).self) {
                seen.append("\(id) \(utc) \(precision) \(status) \(duplicate) \(history)")
            }
            // Chicago is UTC-5 in July (CDT) and UTC-6 in January (CST).
            #expect(seen == ["11-1 2011-07-04 05:00 day closed true 2", "11-2 2011-01-31 19:05 time closed false 2"])
        }
    }

    @Test func unknownTimeZoneIsRefusedBeforeWriting() async throws {
        try await TestDatabase.withFresh { db in
            let csv = "sr_number,sr_type,status,created_date\nSR-1,Graffiti,Open,2021-01-01\n"
            let city = CitySettings(timeZone: "Mars/Olympus_Mons", metricEPSG: 26971)
            let importer = RequestImporter(database: db, city: city, projections: try ProjectionPool(targetEPSG: 26971))
            await #expect {
                _ = try await importer.importCSV(Array(csv.utf8), file: "tz.csv")
            } throws: { error in
                String(describing: error).contains("the time zone \"Mars/Olympus_Mons\" is not one PostgreSQL knows")
            }
            #expect(try await Self.count("service_requests", db) == 0)
        }
    }

    @Test func aRenamedExportWithStatePlaneCoordinatesIsImportedThroughAMapping() async throws {
        try await TestDatabase.withFresh { db in
            // Another city's layout: renamed columns, no latitude/longitude, x/y in feet
            // (EPSG:3435), duplicates marked by a parent column alone.
            let mapping = try CityColumnMapping.decode(json: Array("""
                {"columns": {"id": "Case Number", "type": "Category", "status": "State", "created": "Opened",
                             "address": "Location Text", "parent": "Merged Into", "x": "POINT_X", "y": "POINT_Y"},
                 "coordinatesEPSG": 3435}
                """.utf8))
            let csv = """
                Case Number,Category,State,Opened,Location Text,Merged Into,POINT_X,POINT_Y
                101,Pothole,Closed,01/04/2021 08:00:00 AM,100 N STATE ST,,1162234.142489,1896559.966858
                102,Pothole,Closed,01/04/2021 09:30:00 AM,100 N STATE ST,101,1162240.0,1896560.0
                """
            let importer = RequestImporter(database: db, city: TestEnvironment.city, projections: try ProjectionPool(targetEPSG: 26971))
            let summary = try await importer.importCSV(Array(csv.utf8), file: "renamed.csv", mapping: mapping)
            #expect(summary.rowsWritten == 2)
            let rows = try await db.client.query("""
                SELECT r.service_request_id, r.longitude, r.latitude, r.location_precision, p.service_request_id
                FROM service_requests r LEFT JOIN service_requests p ON p.request_id = r.parent_request_id
                ORDER BY r.service_request_id
                """, logger: db.logger)
            var seen: [(String, Double, Double, String, String?)] = []
            for try await row in rows.decode((String, Double, Double, String, String?).self) { seen.append(row) }
            #expect(seen.map(\.0) == ["101", "102"])
            // The city's own latitude/longitude for that x/y, within about a metre.
            #expect(abs(seen[0].1 - -87.679846) < 0.00002 && abs(seen[0].2 - 41.871831) < 0.00002)
            #expect(seen.map(\.3) == ["caller", "caller"])
            // The parent column became a merge, as the city's own link.
            #expect(seen[0].4 == nil && seen[1].4 == "101")
        }
    }
}
