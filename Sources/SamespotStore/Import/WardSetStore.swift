import Foundation
import Logging
import PostgresNIO
import SamespotCore
import SamespotGeo

/// A ward boundary set as stored: its name and the dates it is in force.
public struct WardSetInfo: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var effectiveFrom: String?
    public var effectiveTo: String?
    public var wardCount: Int
}

/// Ward boundary sets in PostgreSQL: import, list, load as an in-memory `WardIndex`, and place
/// stored requests in a set.
public struct WardSetStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// Stores a set read from GeoJSON under `name`, replacing a set of that name (in one transaction).
    public func importGeoJSON(_ data: Data, file: String, name: String, effectiveFrom: String? = nil,
                              effectiveTo: String? = nil, wardProperty: String? = nil) async throws -> ImportSummary {
        try await store(try Self.read(file) { () throws(GeometryError) in try WardSetReader.read(geoJSON: data, wardProperty: wardProperty) },
                        file: file, name: name, effectiveFrom: effectiveFrom, effectiveTo: effectiveTo)
    }

    /// Stores a set read from CSV with a WKT geometry per row, as data portals export it.
    public func importWKTCSV(_ bytes: [UInt8], file: String, name: String, effectiveFrom: String? = nil,
                             effectiveTo: String? = nil, wardProperty: String? = nil) async throws -> ImportSummary {
        try await store(try Self.read(file) { () throws(GeometryError) in try WardSetReader.read(wktCSV: bytes, wardProperty: wardProperty) },
                        file: file, name: name, effectiveFrom: effectiveFrom, effectiveTo: effectiveTo)
    }

    /// A reader's refusal as an import error naming the file.
    private static func read(_ file: String, _ reader: () throws(GeometryError) -> WardSetReader.Result) throws -> WardSetReader.Result {
        do { return try reader() } catch { throw ImportError(file: file, message: error.message) }
    }

    private func store(_ result: WardSetReader.Result, file: String, name: String, effectiveFrom: String?,
                       effectiveTo: String?) async throws -> ImportSummary {
        for date in [effectiveFrom, effectiveTo].compactMap({ $0 }) {
            guard let parsed = CityTimestamp(parsing: date), !parsed.hasTimeOfDay else {
                throw ImportError(file: file, message: "\"\(date)\" is not a date (YYYY-MM-DD)")
            }
        }
        let logger = database.logger
        try await database.client.withTransaction(logger: logger) { connection in
            try await connection.query("DELETE FROM ward_sets WHERE name = \(name)", logger: logger)
            let rows = try await connection.query("""
                INSERT INTO ward_sets (name, effective_from, effective_to, source)
                VALUES (\(name), \(effectiveFrom)::date, \(effectiveTo)::date, \(file))
                RETURNING ward_set_id
                """, logger: logger)
            var setID = 0
            for try await id in rows.decode(Int.self) { setID = id }
            for shape in result.wards {
                try await connection.query("""
                    INSERT INTO wards (ward_set_id, ward, geometry, properties)
                    VALUES (\(setID), \(shape.ward), \(ByteBuffer(bytes: shape.wkb)), \(shape.propertiesJSON)::jsonb)
                    """, logger: logger)
            }
        }
        try await database.notifyReferenceChanged()
        return ImportSummary(kind: "wards (\(name))", rowsRead: result.wards.count, rowsWritten: result.wards.count, notes: result.notes)
    }

    public func list() async throws -> [WardSetInfo] {
        let rows = try await database.client.query("""
            SELECT s.ward_set_id, s.name, s.effective_from::text, s.effective_to::text, count(w.ward)::int
            FROM ward_sets s LEFT JOIN wards w USING (ward_set_id)
            GROUP BY s.ward_set_id ORDER BY s.effective_from NULLS FIRST, s.name
            """, logger: database.logger)
        var sets: [WardSetInfo] = []
        for try await (id, name, from, to, count) in rows.decode((Int, String, String?, String?, Int).self) {
            sets.append(WardSetInfo(id: id, name: name, effectiveFrom: from, effectiveTo: to, wardCount: count))
        }
        return sets
    }

    /// The set in force today (latest effective date with no end, or ending in the future),
    /// when no set is named.
    public func set(named name: String?) async throws -> WardSetInfo {
        let sets = try await list()
        if let name {
            guard let set = sets.first(where: { $0.name == name }) else {
                let known = sets.map(\.name).joined(separator: ", ")
                throw StoreError.notFound("no ward set named \"\(name)\" (known: \(known.isEmpty ? "none; import one with samespot import wards" : known))")
            }
            return set
        }
        guard let current = sets.last(where: { $0.effectiveTo == nil }) ?? sets.last else {
            throw StoreError.notFound("no ward sets are loaded; import one with samespot import wards")
        }
        return current
    }

    public func loadIndex(setID: Int, resolution: Int = WardIndex.defaultResolution) async throws -> WardIndex {
        // The same read as `shapes(setID:)`, written out: built on a call to it, Swift 6.3.1's
        // release optimiser crashes (signal 11, coroutine splitting) in CityIndexes.loadSnapshot.
        let rows = try await database.client.query(
            "SELECT ward, geometry FROM wards WHERE ward_set_id = \(setID)", logger: database.logger)
        var wards: [(ward: String, wkb: [UInt8])] = []
        for try await (ward, geometry) in rows.decode((String, ByteBuffer).self) {
            wards.append((ward, Array(buffer: geometry)))
        }
        return try WardIndex(wards: wards, resolution: resolution)
    }

    /// Each ward of a set and its geometry (lon/lat WKB), in no particular order.
    public func shapes(setID: Int) async throws -> [(ward: String, wkb: [UInt8])] {
        let rows = try await database.client.query(
            "SELECT ward, geometry FROM wards WHERE ward_set_id = \(setID)", logger: database.logger)
        var wards: [(ward: String, wkb: [UInt8])] = []
        for try await (ward, geometry) in rows.decode((String, ByteBuffer).self) {
            wards.append((ward, Array(buffer: geometry)))
        }
        return wards
    }

    /// Places stored requests in a set's wards (all of them, or only those not yet placed in it)
    /// and returns how many were placed. Re-aggregating history to new wards is this call.
    @discardableResult
    public func assignRequests(toSet set: WardSetInfo, onlyMissing: Bool, progress: ImportProgress? = nil) async throws -> Int {
        let logger = database.logger
        let placed = try await findWards(in: set, onlyMissing: onlyMissing, progress: progress)
        progress?("placing in \(set.name)", 0, placed.count)
        try await database.client.withTransaction(logger: logger) { connection in
            if !onlyMissing {
                try await connection.query("DELETE FROM request_wards WHERE ward_set_id = \(set.id)", logger: logger)
            }
            try await Self.store(placed, in: set, on: connection, logger: logger, progress: progress)
        }
        progress?("placing in \(set.name)", placed.count, placed.count)
        return placed.count
    }

    /// Places every request not yet placed in each of `sets`, the sets side by side, as many at
    /// once as there are cores (GEOS answers on this side). Each set is stored in a transaction
    /// of its own, the table open to others; after a bulk load (`inBulk`), all of them in one
    /// transaction with the table's plain indexes and foreign keys set aside
    /// (`BulkLoadSetAside`: three million rows checked by two joins, not six million lookups).
    public func assignNewRequests(toSets sets: [WardSetInfo], inBulk: Bool, progress: ImportProgress? = nil) async throws {
        guard inBulk else {
            _ = try await Self.inLanes(sets) { try await assignRequests(toSet: $0, onlyMissing: true, progress: progress) }
            return
        }
        let found = try await Self.inLanes(sets) { try await findWards(in: $0, onlyMissing: true, progress: progress) }
        let logger = database.logger
        try await database.client.withTransaction(logger: logger) { connection in
            let setAside = try await BulkLoadSetAside.setAside(on: ["request_wards"], connection, logger: logger)
            for (set, rows) in found {
                progress?("placing in \(set.name)", 0, rows.count)
                try await Self.store(rows, in: set, on: connection, logger: logger, progress: progress)
                progress?("placing in \(set.name)", rows.count, rows.count)
            }
            try await setAside.putBack(connection, logger: logger, stage: "building ward indexes and checking keys", progress: progress)
        }
    }

    /// `body` for each set, as many sets at once as there are cores; the results in the order
    /// the sets finished.
    static func inLanes<T: Sendable>(_ sets: [WardSetInfo],
                                     _ body: @escaping @Sendable (WardSetInfo) async throws -> T) async throws -> [(WardSetInfo, T)] {
        let lanes = max(1, min(sets.count, ProcessInfo.processInfo.activeProcessorCount))
        return try await withThrowingTaskGroup(of: (WardSetInfo, T).self) { group in
            var next = sets.makeIterator()
            for _ in 0..<lanes {
                guard let set = next.next() else { break }
                group.addTask { (set, try await body(set)) }
            }
            var done: [(WardSetInfo, T)] = []
            while let finished = try await group.next() {
                done.append(finished)
                guard let set = next.next() else { continue }
                group.addTask { (set, try await body(set)) }
            }
            return done
        }
    }

    /// Each stored request (or each not yet placed in the set) with its ward in the set, as
    /// rows for `request_wards`; GEOS answers on this side, from the set's grid.
    func findWards(in set: WardSetInfo, onlyMissing: Bool, progress: ImportProgress?) async throws -> [[String?]] {
        let index = try await loadIndex(setID: set.id)
        let points = try await database.client.query(
            onlyMissing
                ? """
                  SELECT r.request_id, r.longitude, r.latitude FROM service_requests r
                  WHERE NOT EXISTS (SELECT 1 FROM request_wards w WHERE w.request_id = r.request_id AND w.ward_set_id = \(set.id))
                  """
                : "SELECT request_id, longitude, latitude FROM service_requests",
            logger: database.logger)
        let context = GEOSContext()
        var rows: [[String?]] = []
        progress?("finding wards in \(set.name)", 0, .max)
        for try await (id, longitude, latitude) in points.decode((Int64, Double?, Double?).self) {
            var ward: String? = nil
            if let longitude, let latitude {
                ward = index.ward(longitude: longitude, latitude: latitude, context: context)
            }
            rows.append([String(id), String(set.id), ward])
        }
        progress?("finding wards in \(set.name)", rows.count, rows.count)
        return rows
    }

    static func store(_ rows: [[String?]], in set: WardSetInfo, on connection: PostgresConnection, logger: Logger,
                      progress: ImportProgress?) async throws {
        try await CopyWriter.copy(rows, into: "request_wards", columns: ["request_id", "ward_set_id", "ward"],
                                  on: connection, logger: logger) { done in
            if done < rows.count { progress?("placing in \(set.name)", done, rows.count) }
        }
        // Cases placed in a set change the ward summaries every instance keeps in memory: they
        // load the cases again (the feed notes no ward rows inserted; migration 12).
        if !rows.isEmpty { try await connection.query("UPDATE case_feed SET epoch = epoch + 1", logger: logger) }
    }
}
