import Foundation
import PostgresNIO
import SamespotCore

/// Which requests a hotspot map draws.
public struct ClusterFilter: Sendable {
    public var serviceCodes: [String]?
    public var statuses: [CaseStatus]?
    public var from: Date?
    public var to: Date?
    public var wardSetID: Int?
    public var ward: String?
    /// Count every report (children too), not only the problems (parents and single cases).
    public var includeDuplicates: Bool

    public init(serviceCodes: [String]? = nil, statuses: [CaseStatus]? = nil, from: Date? = nil, to: Date? = nil,
                wardSetID: Int? = nil, ward: String? = nil, includeDuplicates: Bool = false) {
        self.serviceCodes = serviceCodes; self.statuses = statuses; self.from = from; self.to = to
        self.wardSetID = wardSetID; self.ward = ward; self.includeDuplicates = includeDuplicates
    }
}

/// The points to cluster, column by column, in metres on the city's grid (the few points a map
/// draws are turned back into degrees afterwards: reading degrees for a million would not pay).
public struct ClusterPoints: Sendable {
    public var x: [Double] = []
    public var y: [Double] = []
    /// Index into `codes` of each point's service type.
    public var code: [Int32] = []
    public var codes: [String] = []
    /// Reports the point stands for: itself and its merged children.
    public var reports: [Int32] = []
    /// Tracking numbers, in the order of the points; read only when a map lists its clusters' cases.
    public var ids: [String] = []

    public init() {}
    public var count: Int { x.count }
}

/// Reads request points for clustering. Only points precise enough to merge are drawn (a
/// street-level guess would pile unrelated requests onto one spot), and only types about a
/// place (information calls are filed at the call centre).
public struct ClusterPointStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// - Parameter withIDs: read each point's tracking number too (a map that lists a cluster's
    ///   cases); off for the plain map, where a million strings would double the read.
    public func points(_ filter: ClusterFilter, withIDs: Bool = false) async throws -> ClusterPoints {
        let precise = LocationPrecision.allCases.filter(\.isPreciseEnoughToMerge).map(\.rawValue)
        let statuses = filter.statuses?.map(\.rawValue)
        // One row of arrays, not a million rows (the binary array format decodes far faster),
        // in one pass; each type is numbered by a join with the (small) type table.
        let rows = try await database.client.query("""
            WITH types AS (
                SELECT service_code, (row_number() OVER (ORDER BY service_code) - 1)::int4 AS position
                FROM service_types WHERE about_a_spot
            )
            SELECT coalesce(array_agg(r.x_m), '{}'), coalesce(array_agg(r.y_m), '{}'),
                   coalesce(array_agg(t.position), '{}'),
                   (SELECT coalesce(array_agg(service_code ORDER BY position), '{}') FROM types),
                   coalesce(array_agg(r.child_count + 1), '{}'),
                   coalesce(array_agg(r.service_request_id) FILTER (WHERE \(withIDs)), '{}')
            FROM service_requests r JOIN types t ON t.service_code = r.service_code
            WHERE r.x_m IS NOT NULL AND r.longitude IS NOT NULL AND r.location_precision = ANY(\(precise)::text[])
              AND (\(filter.includeDuplicates) OR r.parent_request_id IS NULL)
              AND (\(filter.serviceCodes)::text[] IS NULL OR r.service_code = ANY(\(filter.serviceCodes)::text[]))
              AND (\(statuses)::text[] IS NULL OR r.status = ANY(\(statuses)::text[]))
              AND (\(filter.from)::timestamptz IS NULL OR r.requested_at >= \(filter.from)::timestamptz)
              AND (\(filter.to)::timestamptz IS NULL OR r.requested_at < \(filter.to)::timestamptz)
              AND (\(filter.ward)::text IS NULL OR EXISTS (
                    SELECT 1 FROM request_wards w WHERE w.request_id = r.request_id
                      AND w.ward_set_id = \(filter.wardSetID) AND w.ward = \(filter.ward)::text))
            """, logger: database.logger)
        var points = ClusterPoints()
        for try await (x, y, code, codes, reports, ids) in rows.decode(([Double], [Double], [Int32], [String], [Int32], [String]).self) {
            points.x = x; points.y = y
            points.code = code; points.codes = codes; points.reports = reports; points.ids = ids
        }
        return points
    }
}
