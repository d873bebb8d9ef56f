import Foundation
import Logging
import PostgresNIO
import SamespotCore
import SamespotGeo

/// The city settings an import needs: its time zone (city files write local time) and its
/// metric grid (EPSG code) for the points' metres.
public struct CitySettings: Sendable, Equatable {
    public var timeZone: String
    public var metricEPSG: Int

    public init(timeZone: String, metricEPSG: Int) {
        self.timeZone = timeZone
        self.metricEPSG = metricEPSG
    }
}

/// Loads a city's 311 export (current or older per-type layout) as cases.
///
/// Rows are checked first; a bad row stops the import with its line number and nothing is
/// written. Requests already stored (same `service_request_id`) are left as they are, so the
/// same file can be imported twice. Each new request is placed in every stored ward set.
public struct RequestImporter: Sendable {
    public let database: Database
    public let city: CitySettings
    public let projections: ProjectionPool
    /// A file of at least this many requests, and more than the table holds, is a bulk load:
    /// the case tables' plain indexes are built and their foreign keys checked once afterwards
    /// rather than row by row (`BulkLoadSetAside`).
    public let bulkLoadRows: Int

    public init(database: Database, city: CitySettings, projections: ProjectionPool, bulkLoadRows: Int = 50_000) {
        self.database = database
        self.city = city
        self.projections = projections
        self.bulkLoadRows = bulkLoadRows
    }

    /// `mapping` names the file's columns when it is not a layout Samespot reads as it is; rows
    /// with only projected x/y (the mapping's `coordinatesEPSG`) get latitude and longitude here.
    public func importCSV(_ bytes: [UInt8], file: String, mapping: CityColumnMapping = .standard,
                          progress: ImportProgress? = nil) async throws -> ImportSummary {
        let reader: CityRecordReader
        do { reader = try CityRecordReader(mapping: mapping) } catch { throw ImportError(file: file, message: error.description) }
        var records = try ReferenceDataImporter.parse(bytes, file: file, progress: progress, reader.record)
        if let epsg = mapping.coordinatesEPSG {
            do { try CityRequestRecord.fillCoordinates(&records, fromEPSG: epsg) } catch {
                throw ImportError(file: file, message: "coordinates EPSG:\(epsg): \(error)")
            }
        }
        var seen = Set<String>()
        for record in records where !seen.insert(record.serviceRequestID).inserted {
            throw ImportError(file: file, message: "line \(record.line): \(record.serviceRequestID) appears twice in the file")
        }
        let logger = database.logger
        progress?("preparing", 0, records.count)
        let rows = try stagingRows(records, calendar: try await CatalogStore(database: database).calendar())
        progress?("preparing", records.count, records.count)
        let timeZone = city.timeZone
        var types: [String: (name: String, department: String)] = [:]
        for record in records where types[record.serviceCode] == nil {
            types[record.serviceCode] = (record.serviceName, record.department)
        }
        let codes = Array(types.keys), names = codes.map { types[$0]!.name }, departments = codes.map { types[$0]!.department }
        let aboutAPlace = names.map { DedupDefaults.isAboutAPlace(serviceName: $0) }

        // An unknown zone name fails here, before any row is written. (Rows are read to the
        // end: PostgresNIO reports a query's error when its rows are consumed.)
        do {
            for try await _ in try await database.client.query("SELECT now() AT TIME ZONE \(timeZone)", logger: logger) {}
        } catch {
            throw ImportError(file: file, message: "the time zone \"\(timeZone)\" is not one PostgreSQL knows (e.g. America/Chicago)")
        }
        let (inserted, bulk): (Int, Bool) = try await database.client.withTransaction(logger: logger) { connection in
            // The staging table and the sort of its lines stay in memory: with the defaults (8 MB
            // of buffers for temporary tables, 4 MB per sort) a year of requests went to disk and back.
            // temp_buffers can be set only before a session's first temporary table.
            try await connection.query("SET LOCAL work_mem = '256MB'", logger: logger)
            for try await _ in try await connection.query(
                "SELECT set_config('temp_buffers', '1GB', false) WHERE pg_my_temp_schema() = 0", logger: logger) {}
            try await connection.query("""
                INSERT INTO service_types (service_code, service_name, department, about_a_spot)
                SELECT * FROM unnest(\(codes)::text[], \(names)::text[], \(departments)::text[], \(aboutAPlace)::bool[])
                ON CONFLICT (service_code) DO NOTHING
                """, logger: logger)
            try await connection.query("""
                CREATE TEMP TABLE import_requests (
                    line integer, service_request_id text, service_code text, status text, city_status text,
                    description text, channel text, department text, requested_local timestamp, has_time boolean,
                    updated_local timestamp, closed_local timestamp, address text, zip_code text,
                    longitude double precision, latitude double precision, x_m double precision, y_m double precision,
                    city_duplicate boolean, city_parent_id text, city_ward text, source text,
                    acknowledge_by date, respond_by date
                ) ON COMMIT DROP
                """, logger: logger)
            progress?("writing", 0, rows.count)
            try await CopyWriter.copy(rows, into: "import_requests", columns: [
                "line", "service_request_id", "service_code", "status", "city_status", "description", "channel",
                "department", "requested_local", "has_time", "updated_local", "closed_local", "address", "zip_code",
                "longitude", "latitude", "x_m", "y_m", "city_duplicate", "city_parent_id", "city_ward", "source",
                "acknowledge_by", "respond_by",
            ], on: connection, logger: logger) { done in if done < rows.count { progress?("writing", done, rows.count) } }
            progress?("writing", rows.count, rows.count)
            var stored = 0.0
            for try await n in try await connection.query(
                "SELECT greatest(reltuples, 0)::float8 FROM pg_class WHERE oid = 'service_requests'::regclass", logger: logger
            ).decode(Double.self) { stored = n }
            let bulk = rows.count >= bulkLoadRows && Double(rows.count) > stored
            let setAside = bulk ? try await BulkLoadSetAside.setAside(on: ["service_requests", "status_history"], connection, logger: logger) : nil
            progress?("storing", 0, rows.count)
            let result = try await connection.query("""
                WITH new_rows AS (
                    INSERT INTO service_requests (
                        service_request_id, service_code, status, city_status, description, channel, department,
                        requested_at, requested_at_precision, updated_at, closed_at, address, zip_code,
                        longitude, latitude, location_precision, x_m, y_m, source,
                        city_duplicate, city_parent_id, city_ward, acknowledged_at, acknowledge_due_at, respond_due_at, ever_closed)
                    SELECT service_request_id, service_code, status, city_status, description, channel, department,
                        requested_local AT TIME ZONE \(timeZone),
                        CASE WHEN has_time THEN 'time' ELSE 'day' END,
                        coalesce(updated_local, closed_local, requested_local) AT TIME ZONE \(timeZone),
                        closed_local AT TIME ZONE \(timeZone),
                        address, zip_code, longitude, latitude,
                        CASE WHEN longitude IS NULL THEN 'none' ELSE 'caller' END,
                        x_m, y_m, source, city_duplicate, city_parent_id, city_ward,
                        -- The file shows no acknowledgement of its own: past "open" counts as one.
                        CASE WHEN status <> 'open' THEN coalesce(closed_local, updated_local, requested_local) AT TIME ZONE \(timeZone) END,
                        (acknowledge_by + 1)::timestamp AT TIME ZONE \(timeZone),
                        (respond_by + 1)::timestamp AT TIME ZONE \(timeZone),
                        -- Its history is received, then the status now: closed once if closed now, never reopened.
                        status IN ('closed', 'canceled')
                    FROM import_requests ORDER BY line
                    ON CONFLICT (service_request_id) DO NOTHING
                    RETURNING request_id, status, city_status, requested_at, closed_at
                ), history AS (
                    -- Received, then (unless still open) the status now, in one ordered insert:
                    -- history ids break ties between equal times, so a case closed the day it
                    -- came in must not read as closed first and then reopened.
                    INSERT INTO status_history (request_id, status, city_status, changed_at, actor, note)
                    SELECT n.request_id, step.status, step.city_status, step.changed_at, 'import', step.note
                    FROM new_rows n
                    CROSS JOIN LATERAL (VALUES (0, 'open', '', n.requested_at, 'received'),
                                               (1, n.status, n.city_status, coalesce(n.closed_at, n.requested_at), ''))
                        AS step(position, status, city_status, changed_at, note)
                    WHERE step.position = 0 OR n.status <> 'open'
                    ORDER BY n.request_id, step.position
                )
                SELECT count(*)::int FROM new_rows
                """, logger: logger)
            var count = 0
            for try await n in result.decode(Int.self) { count = n }
            progress?("storing", rows.count, rows.count)
            try await setAside?.putBack(connection, logger: logger, stage: "building indexes and checking keys", progress: progress)
            progress?("linking the city's duplicates", 0, rows.count)
            try await Self.linkCityParents(connection, logger)
            progress?("linking the city's duplicates", rows.count, rows.count)
            return (count, bulk)
        }

        // New requests go into every ward set; a set imported later places them itself.
        let wardSets = WardSetStore(database: database)
        try await wardSets.assignNewRequests(toSets: try await wardSets.list(), inBulk: bulk, progress: progress)
        // Fresh statistics: the planner's picture of a table that just grew by a year would
        // otherwise wait for autovacuum (10 % of the rows changed), and misjudge how many rows
        // the newest days hold: on two million requests, intake's candidate query once took a
        // time-ordered index of open requests for a selective one (83 ms against 0.2 ms).
        if inserted > 0 {
            // One table per connection, side by side: ANALYZE reads its sample on one core.
            let tables: [PostgresQuery] = [
                "ANALYZE service_requests", "ANALYZE status_history", "ANALYZE request_wards", "ANALYZE dedup_decisions",
            ]
            progress?("refreshing statistics", 0, tables.count)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for statement in tables {
                    group.addTask { try await database.client.query(statement, logger: logger) }
                }
                try await group.waitForAll()
            }
            progress?("refreshing statistics", tables.count, tables.count)
            // The city's placements of addresses its table lacks are the geocoder's to learn
            // (`GeocoderStore.loadLearnedAddresses`): running instances rebuild it.
            try await database.notifyReferenceChanged()
        }
        return ImportSummary(kind: "requests", rowsRead: records.count, rowsWritten: inserted)
    }

    /// The city's own parent links become real merges, marked as the city's (`kind = 'city'`),
    /// so reports on past years count duplicates as the city did. Set-based, over every request
    /// not yet linked: a child whose parent arrives in a later file is linked then. Families
    /// stay one level deep (a parent that is itself a child hands its children to its root),
    /// and a link to a request of another type is left as a label only.
    static func linkCityParents(_ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.query("""
            WITH links AS (
                SELECT c.request_id AS child, coalesce(p.parent_request_id, p.request_id) AS root
                FROM service_requests c JOIN service_requests p ON p.service_request_id = c.city_parent_id
                WHERE c.city_parent_id <> '' AND c.parent_request_id IS NULL AND p.service_code = c.service_code
                  AND p.request_id <> c.request_id
                  AND NOT EXISTS (SELECT 1 FROM dedup_decisions d WHERE d.request_id = c.request_id)
            ), linked AS (
                UPDATE service_requests c SET parent_request_id = l.root
                FROM links l WHERE c.request_id = l.child AND l.root <> l.child
                RETURNING c.request_id, l.root
            ), adopted AS (
                -- A linked child's own children go to its root with it.
                UPDATE service_requests g SET parent_request_id = l.root
                FROM linked l WHERE g.parent_request_id = l.request_id
                RETURNING g.request_id
            )
            INSERT INTO dedup_decisions (request_id, parent_request_id, distance_m, age_seconds, same_address, same_block, score, rule,
                                         kind, decided_by, decided_at)
            SELECT c.request_id, p.request_id,
                   CASE WHEN c.x_m IS NOT NULL AND p.x_m IS NOT NULL THEN sqrt((c.x_m - p.x_m) ^ 2 + (c.y_m - p.y_m) ^ 2) END,
                   greatest(0, extract(epoch FROM c.requested_at - p.requested_at)),
                   c.address <> '' AND upper(c.address) = upper(p.address), false, 1, '{"by": "city"}'::jsonb, 'city', 'city',
                   c.requested_at
            FROM linked l JOIN service_requests c ON c.request_id = l.request_id JOIN service_requests p ON p.request_id = l.root
            """, logger: logger)
        try await connection.query("""
            UPDATE service_requests r SET child_count = k.n
            FROM (SELECT parent_request_id AS id, count(*)::int AS n FROM service_requests WHERE parent_request_id IS NOT NULL
                  GROUP BY parent_request_id) k
            WHERE r.request_id = k.id AND r.child_count <> k.n
            """, logger: logger)
    }

    /// One staging row per record; the deadlines are the end of the n-th business day after the
    /// day the request came in (`BusinessCalendar`), as intake sets them. Prepared on every core
    /// (`InParts`), each part with a PROJ context of its own.
    private func stagingRows(_ records: [CityRequestRecord], calendar: BusinessCalendar) throws -> [[String?]] {
        let projections = self.projections
        return try InParts.map(count: records.count) { range in
            try projections.withProjection { projection in
                records[range].map { r in
                    let day = CivilDate(year: r.requestedAt.year, month: r.requestedAt.month, day: r.requestedAt.day)
                    var x: String? = nil, y: String? = nil
                    if let lon = r.longitude, let lat = r.latitude, let p = projection.forwardMetres(longitude: lon, latitude: lat) {
                        x = String(p.x); y = String(p.y)
                    }
                    return [
                        String(r.line), r.serviceRequestID, r.serviceCode, r.status.rawValue, r.cityStatus, r.description,
                        r.channel, r.department, r.requestedAt.isoLocal, r.requestedAt.hasTimeOfDay ? "t" : "f",
                        r.updatedAt?.isoLocal, r.closedAt?.isoLocal, r.address, r.zipCode,
                        r.longitude.map { String($0) }, r.latitude.map { String($0) }, x, y,
                        r.cityDuplicate ? "t" : "f", r.cityParentID, r.cityWard, "import",
                        calendar.dueDate(after: day, businessDays: ServiceStandard.city.acknowledgeBusinessDays).description,
                        calendar.dueDate(after: day, businessDays: ServiceStandard.city.respondBusinessDays).description,
                    ]
                }
            }
        }
    }
}
