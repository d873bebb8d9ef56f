import PostgresNIO

/// How much of the city is loaded: what /healthz reports.
public struct CityCounts: Sendable, Equatable {
    public var addressPoints: Int
    public var streets: Int
    public var intersections: Int
    public var wardSets: Int
    public var wards: Int
    public var serviceTypes: Int
    public var requests: Int
    public var schemaVersion: Int

    public static func read(from database: Database) async throws -> CityCounts {
        let rows = try await database.client.query("""
            SELECT (SELECT count(*) FROM address_points)::int, (SELECT count(*) FROM streets)::int,
                   (SELECT count(*) FROM intersections)::int, (SELECT count(*) FROM ward_sets)::int,
                   (SELECT count(*) FROM wards)::int, (SELECT count(*) FROM service_types)::int,
                   (SELECT count(*) FROM service_requests)::int,
                   (SELECT coalesce(max(version), 0) FROM schema_migrations)::int
            """, logger: database.logger)
        for try await (a, s, i, ws, w, t, r, v) in rows.decode((Int, Int, Int, Int, Int, Int, Int, Int).self) {
            return CityCounts(addressPoints: a, streets: s, intersections: i, wardSets: ws, wards: w,
                              serviceTypes: t, requests: r, schemaVersion: v)
        }
        throw StoreError.notFound("the counts query returned no row")
    }
}
