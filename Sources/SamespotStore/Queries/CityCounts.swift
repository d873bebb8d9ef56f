import PostgresNIO

/// How much of the city is loaded: what /healthz reports.
///
/// A load balancer polls /healthz every few seconds on every instance, so the read must stay
/// cheap at full-city scale: counting two million requests took 0.9 s. A table PostgreSQL's
/// statistics say is big is reported from those statistics (`reltuples`, refreshed by ANALYZE
/// and autovacuum) and `estimated` says so; a smaller one is counted exactly, which also covers
/// a table that has never been analysed (`reltuples` = -1).
public struct CityCounts: Sendable, Equatable {
    public var addressPoints: Int
    public var streets: Int
    public var intersections: Int
    public var wardSets: Int
    public var wards: Int
    public var serviceTypes: Int
    public var requests: Int
    public var schemaVersion: Int
    /// Whether any count above came from the statistics rather than an exact count.
    public var estimated: Bool

    /// Tables the statistics put at this many rows or more are not counted row by row.
    public static let exactCountLimit = 100_000

    public static func read(from database: Database, exactCountLimit: Int = CityCounts.exactCountLimit) async throws -> CityCounts {
        let rows = try await database.client.query("""
            WITH sizes AS (
                SELECT c.relname, c.reltuples >= \(exactCountLimit)::real AS big, c.reltuples::bigint AS estimate
                FROM pg_class c
                WHERE c.oid IN ('address_points'::regclass, 'intersections'::regclass, 'service_requests'::regclass))
            SELECT (SELECT CASE WHEN big THEN estimate ELSE (SELECT count(*) FROM address_points) END
                    FROM sizes WHERE relname = 'address_points')::int,
                   (SELECT count(*) FROM streets)::int,
                   (SELECT CASE WHEN big THEN estimate ELSE (SELECT count(*) FROM intersections) END
                    FROM sizes WHERE relname = 'intersections')::int,
                   (SELECT count(*) FROM ward_sets)::int,
                   (SELECT count(*) FROM wards)::int, (SELECT count(*) FROM service_types)::int,
                   (SELECT CASE WHEN big THEN estimate ELSE (SELECT count(*) FROM service_requests) END
                    FROM sizes WHERE relname = 'service_requests')::int,
                   (SELECT coalesce(max(version), 0) FROM schema_migrations)::int,
                   (SELECT bool_or(big) FROM sizes)
            """, logger: database.logger)
        for try await (a, s, i, ws, w, t, r, v, e) in rows.decode((Int, Int, Int, Int, Int, Int, Int, Int, Bool).self) {
            return CityCounts(addressPoints: a, streets: s, intersections: i, wardSets: ws, wards: w,
                              serviceTypes: t, requests: r, schemaVersion: v, estimated: e)
        }
        throw StoreError.notFound("the counts query returned no row")
    }

    /// Whether any request is stored: one row read, at any size.
    public static func holdsRequests(_ database: Database) async throws -> Bool {
        let rows = try await database.client.query("SELECT EXISTS (SELECT 1 FROM service_requests)", logger: database.logger)
        for try await held in rows.decode(Bool.self) { return held }
        return false
    }
}
