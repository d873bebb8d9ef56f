import Foundation
import PostgresNIO
import SamespotCore
import Synchronization

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
///
/// A big city's map reads most of the table, and PostgreSQL aggregates one query on one core
/// (its parallel workers cannot combine arrays before version 16). So the table's pages are split
/// into parts, each read by a connection of its own under one snapshot, exported by the first
/// (`pg_export_snapshot`, also on a hot standby): every row version is in exactly one part, and
/// every part sees the same moment.
public struct ClusterPointStore: Sendable {
    /// Whether a read in parts is under way in this process: at most one is. A read in parts
    /// holds one pooled connection while it waits for the others, and several such reads could
    /// take the whole pool and wait on each other for ever; a map asked for meanwhile is read in
    /// one query.
    private static let readingInParts = Mutex(false)

    public let database: Database
    /// Parts the table is read in, side by side (1: one query).
    public let parts: Int
    public init(database: Database, parts: Int = 2) {
        self.database = database
        self.parts = max(1, parts)
    }

    /// - Parameter withIDs: read each point's tracking number too (a map that lists a cluster's
    ///   cases); off for the plain map, where a million strings would double the read.
    public func points(_ filter: ClusterFilter, withIDs: Bool = false) async throws -> ClusterPoints {
        let logger = database.logger
        let inParts = parts > 1 && Self.readingInParts.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
        guard inParts else {
            return try await database.client.withConnection { try await Self.read(filter, withIDs: withIDs, pages: nil, on: $0, logger) }
        }
        defer { Self.readingInParts.withLock { $0 = false } }
        return try await database.inSnapshot(logger) { leader in
            var snapshot = "", pages: Int64 = 0
            for try await (id, size) in try await leader.query("""
                SELECT pg_export_snapshot(), pg_relation_size('service_requests') / current_setting('block_size')::int8
                """, logger: logger).decode((String, Int64).self) {
                snapshot = id; pages = size
            }
            // SET TRANSACTION SNAPSHOT takes no parameter: the id PostgreSQL made ("00000003-0000001B-1")
            // goes into the statement, after checking it is nothing else (else one query reads it all).
            guard !snapshot.isEmpty, snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
                return try await Self.read(filter, withIDs: withIDs, pages: nil, on: leader, logger)
            }
            let exported = snapshot
            // Part i reads pages [bounds[i], bounds[i + 1]); the last has no end (the table may grow).
            let bounds = (0..<parts).map { pages * Int64($0) / Int64(parts) }
            let ranges = bounds.indices.map { i in (bounds[i], i + 1 < bounds.count ? bounds[i + 1] : nil) }
            return ClusterPoints(joining: try await withThrowingTaskGroup(of: (Int, ClusterPoints).self) { group in
                for (i, range) in ranges.enumerated().dropFirst() {
                    group.addTask {
                        (i, try await database.inSnapshot(logger, snapshot: exported) {
                            try await Self.read(filter, withIDs: withIDs, pages: range, on: $0, logger)
                        })
                    }
                }
                var parts = [(0, try await Self.read(filter, withIDs: withIDs, pages: ranges[0], on: leader, logger))]
                for try await part in group { parts.append(part) }
                return parts.sorted { $0.0 < $1.0 }.map(\.1)
            })
        }
    }

    /// One query: the points of the pages in `pages` (all of them for nil), in one row.
    static func read(_ filter: ClusterFilter, withIDs: Bool, pages: (from: Int64, to: Int64?)?, on connection: PostgresConnection,
                     _ logger: Logger) async throws -> ClusterPoints {
        let precise = LocationPrecision.allCases.filter(\.isPreciseEnoughToMerge).map(\.rawValue)
        let statuses = filter.statuses?.map(\.rawValue)
        // Pages as tuple ids: PostgreSQL scans just that range of the table (a TID range scan).
        let first = pages.map { "(\($0.from),0)" }, end = pages?.to.map { "(\($0),0)" }
        // One row, not a million rows, in one pass: the numbers as packed big-endian bytes
        // (float8send, int4send), which decode in a plain loop (as arrays, decoding 745,000 points
        // took longer than PostgreSQL's read of them); each type is numbered by a join with the
        // (small) type table.
        let rows = try await connection.query("""
            WITH types AS (
                SELECT service_code, (row_number() OVER (ORDER BY service_code) - 1)::int4 AS position
                FROM service_types WHERE about_a_spot
            )
            SELECT coalesce(string_agg(float8send(r.x_m), ''), ''), coalesce(string_agg(float8send(r.y_m), ''), ''),
                   coalesce(string_agg(int4send(t.position), ''), ''),
                   (SELECT coalesce(array_agg(service_code ORDER BY position), '{}') FROM types),
                   coalesce(string_agg(int4send(r.child_count + 1), ''), ''),
                   coalesce(array_agg(r.service_request_id) FILTER (WHERE \(withIDs)), '{}')
            FROM service_requests r JOIN types t ON t.service_code = r.service_code
            WHERE r.x_m IS NOT NULL AND r.longitude IS NOT NULL AND r.location_precision = ANY(\(precise)::text[])
              AND (\(first)::tid IS NULL OR r.ctid >= \(first)::tid) AND (\(end)::tid IS NULL OR r.ctid < \(end)::tid)
              AND (\(filter.includeDuplicates) OR r.parent_request_id IS NULL)
              AND (\(filter.serviceCodes)::text[] IS NULL OR r.service_code = ANY(\(filter.serviceCodes)::text[]))
              AND (\(statuses)::text[] IS NULL OR r.status = ANY(\(statuses)::text[]))
              AND (\(filter.from)::timestamptz IS NULL OR r.requested_at >= \(filter.from)::timestamptz)
              AND (\(filter.to)::timestamptz IS NULL OR r.requested_at < \(filter.to)::timestamptz)
              AND (\(filter.ward)::text IS NULL OR EXISTS (
                    SELECT 1 FROM request_wards w WHERE w.request_id = r.request_id
                      AND w.ward_set_id = \(filter.wardSetID) AND w.ward = \(filter.ward)::text))
            """, logger: logger)
        var points = ClusterPoints()
        for try await (x, y, code, codes, reports, ids) in rows.decode((ByteBuffer, ByteBuffer, ByteBuffer, [String], ByteBuffer, [String]).self) {
            points.x = PackedColumn.unpack(x) { Double(bitPattern: $0) }
            points.y = PackedColumn.unpack(y) { Double(bitPattern: $0) }
            points.code = PackedColumn.unpack(code) { Int32(bitPattern: $0) }
            points.reports = PackedColumn.unpack(reports) { Int32(bitPattern: $0) }
            points.codes = codes; points.ids = ids
        }
        return points
    }
}

extension ClusterPoints {
    /// Parts read under one snapshot, in order (each numbers the types alike).
    init(joining parts: [ClusterPoints]) {
        self.init()
        codes = parts.first?.codes ?? []
        for part in parts {
            x += part.x; y += part.y; code += part.code; reports += part.reports; ids += part.ids
        }
    }
}
