import Foundation
import Logging
import PostgresNIO
import SamespotCore

/// Where a purge writes the cases before it deletes them.
public protocol PurgeArchive: Sendable {
    /// One row: the header (`RetentionStore.archiveColumns`) first, then one per case.
    func write(_ fields: [String]) throws
    /// Every row is written and nothing is deleted yet: when this returns, the archive must be
    /// safely stored (flushed and synced), since the deletes commit next.
    func finish() throws
}

/// Retention: the cases a city no longer keeps (finished before a day) are archived and deleted,
/// set-based, in one transaction.
///
/// A family goes whole: a parent and its merged reports are purged together, and only when
/// every one of them is finished (closed or canceled) before the day, so a purge never leaves a
/// child without its parent or takes a case someone is still working. The archive is a city 311
/// export that `samespot import requests` reads back as it is; it holds no resident's name,
/// email or phone, and the requesters no remaining case names are deleted with the cases.
public struct RetentionStore: Sendable {
    public let database: Database
    /// The city's zone: the archive writes local times, as city exports do.
    public let timeZone: String

    public init(database: Database, timeZone: String) {
        self.database = database
        self.timeZone = timeZone
    }

    public struct Summary: Sendable, Equatable, CustomStringConvertible {
        public var families: Int
        public var cases: Int
        public var requesters: Int
        public var archived: Int
        public var deleted: Bool

        public init(families: Int, cases: Int, requesters: Int, archived: Int, deleted: Bool) {
            self.families = families; self.cases = cases; self.requesters = requesters
            self.archived = archived; self.deleted = deleted
        }

        public var description: String {
            let what = "\(cases) cases in \(families) families, \(requesters) requesters no longer named by a case"
            let archive = archived > 0 ? "; \(archived) archived" : ""
            return (deleted ? "purged " : "would purge (dry run) ") + what + archive
        }
    }

    /// The archive's header: the column names the importer reads by default.
    public static let archiveColumns = [
        "sr_number", "sr_type", "sr_short_code", "owner_department", "status", "origin", "created_date",
        "last_modified_date", "closed_date", "street_address", "zip_code", "latitude", "longitude", "description",
        "duplicate", "parent_sr_number", "ward",
    ]

    /// Archives and deletes every family finished before `day` (the city's local midnight).
    /// With `dryRun`, counts (and archives) but deletes nothing. An archive that fails to write
    /// or to finish rolls the whole purge back.
    public func purge(finishedBefore day: CivilDate, dryRun: Bool = false, archive: (any PurgeArchive)? = nil) async throws -> Summary {
        let logger = database.logger
        let cutoff = day.description
        let zone = timeZone
        return try await database.transaction { tx in
            // Each step's time goes to the log: a purge of a year runs for a minute or more.
            let clock = ContinuousClock()
            var step = clock.now
            func logStep(_ name: String, rows: Int) {
                let now = clock.now
                logger.info("purge step", metadata: ["step": "\(name)", "rows": "\(rows)", "seconds": "\((now - step) / .seconds(1))"])
                step = now
            }
            // Families whose every member is finished before the day, then their members.
            try await tx.query("""
                CREATE TEMP TABLE purge_cases ON COMMIT DROP AS
                SELECT r.request_id, r.requester_id
                FROM service_requests r
                JOIN (SELECT coalesce(parent_request_id, request_id) AS root
                      FROM service_requests
                      GROUP BY 1
                      -- A case a city's export gave as closed without a close date is judged by its
                      -- last update (the file's own times); a NULL here would keep it forever.
                      HAVING bool_and(status IN ('closed', 'canceled')
                                      AND coalesce(closed_at, updated_at) < (\(cutoff)::date)::timestamp AT TIME ZONE \(zone))
                     ) f ON f.root = coalesce(r.parent_request_id, r.request_id)
                """, logger: logger)
            // Its statistics let the deletes below join it by hash rather than probe row by row.
            try await tx.query("ANALYZE purge_cases", logger: logger)
            var counts = (families: 0, cases: 0)
            for try await (families, cases) in try await tx.query("""
                SELECT count(*) FILTER (WHERE r.parent_request_id IS NULL)::int, count(*)::int
                FROM purge_cases x JOIN service_requests r USING (request_id)
                """, logger: logger).decode((Int, Int).self) { counts = (families, cases) }
            logStep("chosen", rows: counts.cases)

            var archived = 0
            if let archive {
                try archive.write(Self.archiveColumns)
                let rows = try await tx.query("""
                    SELECT r.service_request_id, t.service_name, r.service_code, r.department,
                           CASE WHEN r.city_status <> '' THEN r.city_status ELSE r.status END, r.channel,
                           to_char(r.requested_at AT TIME ZONE \(zone),
                                   CASE WHEN r.requested_at_precision = 'day' THEN 'YYYY-MM-DD' ELSE 'YYYY-MM-DD"T"HH24:MI:SS' END),
                           to_char(r.updated_at AT TIME ZONE \(zone), 'YYYY-MM-DD"T"HH24:MI:SS'),
                           coalesce(to_char(r.closed_at AT TIME ZONE \(zone), 'YYYY-MM-DD"T"HH24:MI:SS'), ''),
                           r.address, r.zip_code, coalesce(r.latitude::text, ''), coalesce(r.longitude::text, ''), r.description,
                           CASE WHEN r.parent_request_id IS NOT NULL OR r.city_duplicate THEN 'true' ELSE 'false' END,
                           coalesce(p.service_request_id, nullif(r.city_parent_id, ''), ''),
                           -- The city's own ward when the file gave one, else the ward in the
                           -- boundary set in force on the day the request came in.
                           coalesce(nullif(r.city_ward, ''), (
                               SELECT w.ward FROM request_wards w JOIN ward_sets s USING (ward_set_id)
                               WHERE w.request_id = r.request_id
                                 AND (s.effective_from IS NULL OR s.effective_from <= (r.requested_at AT TIME ZONE \(zone))::date)
                                 AND (s.effective_to IS NULL OR s.effective_to >= (r.requested_at AT TIME ZONE \(zone))::date)
                               ORDER BY s.effective_from DESC NULLS LAST LIMIT 1), '')
                    FROM purge_cases x
                    JOIN service_requests r USING (request_id)
                    JOIN service_types t USING (service_code)
                    LEFT JOIN service_requests p ON p.request_id = r.parent_request_id
                    ORDER BY r.requested_at, r.request_id
                    """, logger: logger)
                for try await row in rows {
                    var fields: [String] = []
                    fields.reserveCapacity(Self.archiveColumns.count)
                    for cell in row { fields.append(try cell.decode(String.self)) }
                    try archive.write(fields)
                    archived += 1
                }
                try archive.finish()
                logStep("archived", rows: archived)
            }

            var requesters = 0
            for try await n in try await tx.query("""
                SELECT count(DISTINCT q.requester_id)::int FROM purge_cases q
                WHERE q.requester_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM service_requests r
                                  WHERE r.requester_id = q.requester_id
                                    AND NOT EXISTS (SELECT 1 FROM purge_cases k WHERE k.request_id = r.request_id))
                """, logger: logger).decode(Int.self) { requesters = n }
            guard !dryRun else {
                return Summary(families: counts.families, cases: counts.cases, requesters: requesters, archived: archived, deleted: false)
            }

            // The rows that point at a case go first, each table in one set-based delete: left
            // to the cascade, every case deleted would probe each of them on its own. The tables
            // are read from the catalog, so one added later is purged too.
            var pointing: [(table: String, column: String)] = []
            for try await key in try await tx.query("""
                SELECT c.conrelid::regclass::text, quote_ident(a.attname)
                FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                WHERE c.contype = 'f' AND c.confrelid = 'service_requests'::regclass AND c.confdeltype = 'c'
                  AND cardinality(c.conkey) = 1
                ORDER BY 1, 2
                """, logger: logger).decode((String, String).self) { pointing.append(key) }
            for (table, column) in pointing {
                try await tx.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table) d USING purge_cases x WHERE d.\(column) = x.request_id"),
                                   logger: logger)
            }
            logStep("deleted what points at the cases", rows: counts.cases)
            try await tx.query("DELETE FROM service_requests r USING purge_cases x WHERE r.request_id = x.request_id", logger: logger)
            logStep("deleted the cases", rows: counts.cases)
            try await tx.query("""
                DELETE FROM requesters q
                WHERE q.requester_id IN (SELECT requester_id FROM purge_cases WHERE requester_id IS NOT NULL)
                  AND NOT EXISTS (SELECT 1 FROM service_requests r WHERE r.requester_id = q.requester_id)
                """, logger: logger)
            let details = #"{"finished_before": "\#(cutoff)", "cases": \#(counts.cases), "families": \#(counts.families)}"#
            try await tx.query("""
                INSERT INTO audit_log (request_id, action, actor, details) VALUES (NULL, 'purge', 'retention', \(details)::jsonb)
                """, logger: logger)
            return Summary(families: counts.families, cases: counts.cases, requesters: requesters, archived: archived, deleted: true)
        }
    }
}
