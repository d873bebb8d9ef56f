import Foundation
import PostgresNIO
import SamespotCore

/// What a case is, in the few bits the reports ask of it.
public struct CaseFlags: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// Not merged into another case.
    public static let isCase = CaseFlags(rawValue: 1)
    public static let everClosed = CaseFlags(rawValue: 2)
    public static let reopened = CaseFlags(rawValue: 4)
    /// Its caller was joined to an existing case at intake, and that was not undone.
    public static let joined = CaseFlags(rawValue: 8)
    /// Placed precisely enough to merge (and so to draw on a hotspot map).
    public static let mappable = CaseFlags(rawValue: 16)
}

/// Cases read for the in-memory mirror, column by column, in one order. Times are seconds
/// since 1970 (`Double.nan` for none), as PostgreSQL's `date_part('epoch', …)` gives them.
public struct CaseRows: Sendable {
    public var ids: [Int64] = []
    /// Index into the batch's `codeNames`.
    public var codes: [Int32] = []
    /// Index into `CaseStatus.allCases` plus one; 0 for a status this build does not know.
    public var statuses: [Int32] = []
    public var requestedAt: [Double] = []
    public var closedAt: [Double] = []
    public var acknowledgedAt: [Double] = []
    public var acknowledgeDueAt: [Double] = []
    public var respondDueAt: [Double] = []
    /// On the city's metric grid; `nan` when not mappable.
    public var x: [Double] = []
    public var y: [Double] = []
    public var childCounts: [Int32] = []
    public var flags: [Int32] = []
    /// When the case last changed (Open311 `updated_datetime`), for listings by update time.
    public var updatedAt: [Double] = []
    public init() {}
    public var count: Int { ids.count }
}

/// The wards of some cases in one ward set.
public struct CaseWardRows: Sendable {
    public var setID: Int
    /// The set's ward names, in the order `wards` numbers them from 1.
    public var names: [String]
    public var ids: [Int64] = []
    /// 1-based index into `names`; 0 for a case placed in no ward of the set.
    public var wards: [Int32] = []
}

/// One read of the feed: the cases changed since a cursor, or a part of a load.
public struct CaseFeedBatch: Sendable {
    /// Moves on when a statement changed too many cases to list them: a reader loads again.
    public var epoch: Int64
    /// Where the next read of changes starts (the xmin of this read's snapshot).
    public var cursor: UInt64
    /// The ids noted as changed; nil for a load. Those not in `cases` no longer exist.
    public var changed: [Int64]?
    /// Service codes, in the order `cases.codes` numbers them.
    public var codeNames: [String]
    public var cases: CaseRows
    /// Every ward set, with the wards of the cases read (also those no case is in yet).
    public var wards: [CaseWardRows]
    /// Those of the cases read that are open spots (`OpenSpotIndex`), whole.
    public var spots: [OpenCaseNearby] = []
}

/// Reads cases for the in-memory mirror (`CaseTable`) and the notes of which changed
/// (migration 12), each read in one snapshot so the cursor and the rows agree.
public struct CaseFeedStore: Sendable {
    public let database: Database
    /// Cases per statement in a load: bounds the size of one row of packed columns.
    public let loadChunk: Int64
    public init(database: Database, loadChunk: Int64 = 500_000) {
        self.database = database
        self.loadChunk = max(1, loadChunk)
    }

    /// Every case, in a table, with the cursor and epoch of the same moment. Read in parts of
    /// `loadChunk` ids, each written into the table before the next is read: the load holds
    /// one part beside the table, not a second copy of the city.
    public func loadTable() async throws -> CaseTable {
        let logger = database.logger
        return try await database.inSnapshot(logger) { connection in
            let (cursor, epoch) = try await Self.position(connection, logger)
            var first: Int64 = 1, last: Int64 = 0
            for try await (low, high) in try await connection.query(
                "SELECT min(request_id), max(request_id) FROM service_requests", logger: logger).decode((Int64?, Int64?).self) {
                first = low ?? 1; last = high ?? 0
            }
            let sets = try await Self.wardSets(connection, logger)
            var table = try CaseTable(epoch: epoch, cursor: cursor, wardSets: sets, ids: first...max(first, last))
            var from = first
            while from <= last {
                let part = try await Self.cases(ids: nil, from: from, to: from + loadChunk, connection, logger)
                try table.take(CaseFeedBatch(epoch: epoch, cursor: cursor, changed: nil, codeNames: part.codeNames, cases: part.rows, wards: []))
                from += loadChunk
            }
            for set in sets {
                let placed = try await Self.wards(of: set, ids: nil, connection, logger)
                try table.take(CaseFeedBatch(epoch: epoch, cursor: cursor, changed: nil, codeNames: [], cases: CaseRows(), wards: [placed]))
            }
            let spots = try await Self.openSpots(ids: nil, connection, logger)
            try table.take(CaseFeedBatch(epoch: epoch, cursor: cursor, changed: nil, codeNames: [], cases: CaseRows(), wards: [], spots: spots))
            return table
        }
    }

    /// The cases noted as changed at or after `cursor`, as they are now.
    public func changes(since cursor: UInt64) async throws -> CaseFeedBatch {
        let logger = database.logger
        return try await database.inSnapshot(logger) { connection in
            let (next, epoch) = try await Self.position(connection, logger)
            var changed: [Int64] = []
            for try await ids in try await connection.query("""
                SELECT coalesce(array_agg(DISTINCT request_id), '{}') FROM case_changes WHERE xid >= \(String(cursor))::xid8
                """, logger: logger).decode([Int64].self) { changed = ids }
            guard !changed.isEmpty else {
                return CaseFeedBatch(epoch: epoch, cursor: next, changed: [], codeNames: [], cases: CaseRows(), wards: [])
            }
            let part = try await Self.cases(ids: changed, from: nil, to: nil, connection, logger)
            var wards: [CaseWardRows] = []
            for set in try await Self.wardSets(connection, logger) { wards.append(try await Self.wards(of: set, ids: changed, connection, logger)) }
            let spots = try await Self.openSpots(ids: changed, connection, logger)
            return CaseFeedBatch(epoch: epoch, cursor: next, changed: changed, codeNames: part.codeNames, cases: part.rows, wards: wards,
                                 spots: spots)
        }
    }

    /// Forgets the notes of transactions that had ended before a horizon kept at least
    /// `lifetime` ago, and keeps a new horizon: a reader that caught up within `lifetime` has
    /// read them all (its cursor is at or above that horizon). Any instance may run it; one
    /// statement, so two at once agree.
    public func prune(lifetime: Duration) async throws {
        let seconds = Double(lifetime.components.seconds)
        try await database.client.query("""
            WITH due AS (
                SELECT prune_horizon FROM case_feed WHERE horizon_at < now() - make_interval(secs => \(seconds)) FOR UPDATE
            ), pruned AS (
                DELETE FROM case_changes WHERE xid < (SELECT prune_horizon FROM due)
            )
            UPDATE case_feed SET prune_horizon = pg_snapshot_xmin(pg_current_snapshot()), horizon_at = now()
            WHERE EXISTS (SELECT 1 FROM due)
            """, logger: database.logger)
    }

    /// The snapshot's xmin: every transaction below it had ended when this read began, so
    /// whatever it noted is visible here; anything at or above it is read again next time.
    static func position(_ connection: PostgresConnection, _ logger: Logger) async throws -> (cursor: UInt64, epoch: Int64) {
        for try await (xmin, epoch) in try await connection.query("""
            SELECT pg_snapshot_xmin(pg_current_snapshot())::text, (SELECT epoch FROM case_feed)
            """, logger: logger).decode((String, Int64).self) {
            guard let cursor = UInt64(xmin) else { break }
            return (cursor, epoch)
        }
        throw CaseMirrorError.noFeedPosition
    }

    /// The cases with the given ids, or with ids in [from, to), as packed columns in one row.
    static func cases(ids: [Int64]?, from: Int64?, to: Int64?, _ connection: PostgresConnection,
                      _ logger: Logger) async throws -> (codeNames: [String], rows: CaseRows) {
        let statuses = CaseStatus.allCases.map(\.rawValue)
        let precise = LocationPrecision.allCases.filter(\.isPreciseEnoughToMerge).map(\.rawValue)
        let rows = try await connection.query("""
            WITH types AS (
                SELECT service_code, (row_number() OVER (ORDER BY service_code) - 1)::int4 AS position FROM service_types
            ), picked AS (
                SELECT r.* FROM service_requests r
                WHERE (\(ids)::int8[] IS NULL OR r.request_id = ANY(\(ids)::int8[]))
                  AND (\(from)::int8 IS NULL OR r.request_id >= \(from)::int8) AND (\(to)::int8 IS NULL OR r.request_id < \(to)::int8)
            ), joins AS (
                SELECT DISTINCT d.request_id FROM dedup_decisions d JOIN picked p ON p.request_id = d.request_id
                WHERE d.kind = 'join' AND d.reverted_at IS NULL
            )
            SELECT (SELECT coalesce(array_agg(service_code ORDER BY position), '{}') FROM types),
                   coalesce(string_agg(int8send(r.request_id), ''), ''),
                   coalesce(string_agg(int4send(t.position), ''), ''),
                   coalesce(string_agg(int4send(coalesce(array_position(\(statuses)::text[], r.status), 0)), ''), ''),
                   coalesce(string_agg(float8send(date_part('epoch', r.requested_at)), ''), ''),
                   coalesce(string_agg(float8send(coalesce(date_part('epoch', r.closed_at), 'NaN')), ''), ''),
                   coalesce(string_agg(float8send(coalesce(date_part('epoch', r.acknowledged_at), 'NaN')), ''), ''),
                   coalesce(string_agg(float8send(coalesce(date_part('epoch', r.acknowledge_due_at), 'NaN')), ''), ''),
                   coalesce(string_agg(float8send(coalesce(date_part('epoch', r.respond_due_at), 'NaN')), ''), ''),
                   coalesce(string_agg(float8send(coalesce(r.x_m, 'NaN')), ''), ''),
                   coalesce(string_agg(float8send(coalesce(r.y_m, 'NaN')), ''), ''),
                   coalesce(string_agg(int4send(r.child_count), ''), ''),
                   coalesce(string_agg(int4send(
                       (r.parent_request_id IS NULL)::int4 * \(CaseFlags.isCase.rawValue)
                       + r.ever_closed::int4 * \(CaseFlags.everClosed.rawValue) + r.reopened::int4 * \(CaseFlags.reopened.rawValue)
                       + (j.request_id IS NOT NULL)::int4 * \(CaseFlags.joined.rawValue)
                       + (r.x_m IS NOT NULL AND r.longitude IS NOT NULL
                          AND r.location_precision = ANY(\(precise)::text[]))::int4 * \(CaseFlags.mappable.rawValue)), ''), ''),
                   coalesce(string_agg(float8send(date_part('epoch', r.updated_at)), ''), '')
            FROM picked r JOIN types t ON t.service_code = r.service_code
            LEFT JOIN joins j ON j.request_id = r.request_id
            """, logger: logger)
        var result = CaseRows(), names: [String] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            func bytes(_ i: Int) throws -> ByteBuffer { try c[i].decode(ByteBuffer.self) }
            names = try c[0].decode([String].self)
            result.ids = PackedColumn.int64s(try bytes(1))
            result.codes = PackedColumn.int32s(try bytes(2))
            result.statuses = PackedColumn.int32s(try bytes(3))
            result.requestedAt = PackedColumn.doubles(try bytes(4))
            result.closedAt = PackedColumn.doubles(try bytes(5))
            result.acknowledgedAt = PackedColumn.doubles(try bytes(6))
            result.acknowledgeDueAt = PackedColumn.doubles(try bytes(7))
            result.respondDueAt = PackedColumn.doubles(try bytes(8))
            result.x = PackedColumn.doubles(try bytes(9))
            result.y = PackedColumn.doubles(try bytes(10))
            result.childCounts = PackedColumn.int32s(try bytes(11))
            result.flags = PackedColumn.int32s(try bytes(12))
            result.updatedAt = PackedColumn.doubles(try bytes(13))
        }
        return (names, result)
    }

    /// The open spots among the given cases (all, for nil), as `/v1/matches` reads them.
    static func openSpots(ids: [Int64]?, _ connection: PostgresConnection, _ logger: Logger) async throws -> [OpenCaseNearby] {
        var spots: [OpenCaseNearby] = []
        for try await row in try await connection.query("""
            SELECT \(unescaped: NearestOpenParents.columns) FROM service_requests
            WHERE \(unescaped: NearestOpenParents.openParent) AND (\(ids)::int8[] IS NULL OR request_id = ANY(\(ids)::int8[]))
            """, logger: logger) {
            spots.append(try NearestOpenParents.decode(row))
        }
        return spots
    }

    /// Every ward set and its wards, in the order `wards(of:)` numbers them from 1.
    static func wardSets(_ connection: PostgresConnection, _ logger: Logger) async throws -> [CaseWardRows] {
        var sets: [CaseWardRows] = []
        for try await (setID, names) in try await connection.query("""
            SELECT s.ward_set_id, coalesce((SELECT array_agg(w.ward ORDER BY w.ward) FROM wards w WHERE w.ward_set_id = s.ward_set_id), '{}')
            FROM ward_sets s ORDER BY s.ward_set_id
            """, logger: logger).decode((Int, [String]).self) {
            sets.append(CaseWardRows(setID: setID, names: names))
        }
        return sets
    }

    /// The wards of the given cases (all, for nil) in one set, as packed columns in one row.
    static func wards(of set: CaseWardRows, ids: [Int64]?, _ connection: PostgresConnection, _ logger: Logger) async throws -> CaseWardRows {
        var placed = set
        for try await (cases, wards) in try await connection.query("""
            WITH names AS (
                SELECT ward, row_number() OVER (ORDER BY ward)::int4 AS position FROM wards WHERE ward_set_id = \(set.setID)
            )
            SELECT coalesce(string_agg(int8send(w.request_id), ''), ''), coalesce(string_agg(int4send(coalesce(n.position, 0)), ''), '')
            FROM request_wards w LEFT JOIN names n ON n.ward = w.ward
            WHERE w.ward_set_id = \(set.setID) AND (\(ids)::int8[] IS NULL OR w.request_id = ANY(\(ids)::int8[]))
            """, logger: logger).decode((ByteBuffer, ByteBuffer).self) {
            placed.ids = PackedColumn.int64s(cases)
            placed.wards = PackedColumn.int32s(wards)
        }
        return placed
    }
}

extension CaseRows {
    mutating func append(_ other: CaseRows) {
        ids += other.ids; codes += other.codes; statuses += other.statuses
        requestedAt += other.requestedAt; closedAt += other.closedAt; acknowledgedAt += other.acknowledgedAt
        acknowledgeDueAt += other.acknowledgeDueAt; respondDueAt += other.respondDueAt
        x += other.x; y += other.y; childCounts += other.childCounts; flags += other.flags; updatedAt += other.updatedAt
    }
}
