import Foundation
import PostgresNIO
import SamespotCore
@testable import SamespotStore
import SamespotTestSupport
import Testing

/// The cases in memory count what PostgreSQL counts: ward summaries and hotspot points from the
/// table equal the SQL of `WardReportStore` and `ClusterPointStore` (the oracle), after a load
/// and after changes taken in from the feed, including a change whose transaction commits late.
@Suite struct CaseTableTests {
    static func date(_ text: String) throws -> Date { try #require(ISO8601DateFormatter().date(from: text)) }

    static func periods() throws -> [(Date, Date)] {
        [(try date("2020-01-01T06:00:00Z"), try date("2021-01-01T06:00:00Z")),
         (try date("2020-12-01T06:00:00Z"), try date("2021-01-01T06:00:00Z")),
         (try date("2021-01-01T06:00:00Z"), try date("2021-01-02T06:00:00Z")),
         (try date("1999-01-01T00:00:00Z"), try date("2030-01-01T00:00:00Z"))]
    }

    /// Every ward set, every period, by ward and by type, all wards and two: the table's
    /// figures are the statement's.
    static func expectSummariesAgree(_ table: CaseTable, _ db: Database, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let store = WardReportStore(database: db)
        for setID in 1...3 {
            let wards = try await store.wards(setID: setID)
            for (from, to) in try periods() {
                for (grouping, selected) in [(WardReportStore.Grouping.ward, nil), (.serviceCode, nil), (.ward, Array(wards.prefix(2)))] {
                    let expected = try await store.metrics(setID: setID, wards: selected, from: from, to: to, groupBy: grouping)
                    let counted = try #require(table.wardMetrics(setID: setID, wards: selected, from: from, to: to, groupBy: grouping, now: Date()))
                    let what = "set \(setID), \(from)–\(to), \(grouping), wards \(selected ?? [])"
                    #expect(counted.map(\.group) == expected.map(\.group), "\(what)", sourceLocation: sourceLocation)
                    for (c, e) in zip(counted, expected) { expectSame(c, e, "\(what), group \(e.group ?? "total")", sourceLocation) }
                }
            }
        }
    }

    static func expectSame(_ c: WardMetrics, _ e: WardMetrics, _ what: String, _ sourceLocation: SourceLocation) {
        func close(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): return true
            case let (a?, b?): return abs(a - b) <= 1e-6 * max(1, abs(b))
            default: return false
            }
        }
        let counts = [c.opened, c.openedCases, c.closed, c.backlog, c.slaTracked, c.acknowledgeBreaches, c.respondBreaches,
                      c.duplicates, c.joins, c.everClosed, c.reopened]
        let expected = [e.opened, e.openedCases, e.closed, e.backlog, e.slaTracked, e.acknowledgeBreaches, e.respondBreaches,
                        e.duplicates, e.joins, e.everClosed, e.reopened]
        #expect(counts == expected, "\(what)", sourceLocation: sourceLocation)
        #expect(c.byStatus == e.byStatus, "\(what)", sourceLocation: sourceLocation)
        for (name, a, b) in [("median close", c.medianDaysToClose, e.medianDaysToClose), ("p90 close", c.p90DaysToClose, e.p90DaysToClose),
                             ("backlog median", c.backlogMedianAgeDays, e.backlogMedianAgeDays),
                             ("backlog max", c.backlogMaxAgeDays, e.backlogMaxAgeDays),
                             ("duplicate rate", c.duplicateRate, e.duplicateRate), ("reopen rate", c.reopenRate, e.reopenRate)] {
            #expect(close(a, b), "\(what): \(name) \(String(describing: a)) against \(String(describing: b))", sourceLocation: sourceLocation)
        }
    }

    struct Point: Hashable { var x: Double; var y: Double; var code: String; var reports: Int32 }

    static func expectPointsAgree(_ table: CaseTable, _ db: Database, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var spotTypes = Set<String>()
        for try await code in try await db.client.query("SELECT service_code FROM service_types WHERE about_a_spot", logger: db.logger)
            .decode(String.self) { spotTypes.insert(code) }
        let filters = [ClusterFilter(), ClusterFilter(includeDuplicates: true),
                       ClusterFilter(statuses: [.closed], from: try date("2020-06-01T00:00:00Z")),
                       ClusterFilter(from: try date("2021-01-01T12:00:00Z"), to: try date("2021-01-01T18:00:00Z")),
                       ClusterFilter(serviceCodes: Array(spotTypes.sorted().prefix(3)), wardSetID: 3, ward: "27")]
        for filter in filters {
            func points(_ p: ClusterPoints) -> [Point: Int] {
                p.x.indices.reduce(into: [:]) { $0[Point(x: p.x[$1], y: p.y[$1], code: p.codes[Int(p.code[$1])], reports: p.reports[$1]), default: 0] += 1 }
            }
            let expected = try await ClusterPointStore(database: db, parts: 1).points(filter)
            let picked = table.clusterPoints(filter, spotTypes: spotTypes)
            #expect(picked.count == expected.count, "\(filter)", sourceLocation: sourceLocation)
            #expect(points(picked) == points(expected), "\(filter)", sourceLocation: sourceLocation)
            if filter.to != nil { #expect(expected.count > 50, "\(filter) draws the window's requests", sourceLocation: sourceLocation) }
        }
    }

    /// The open spots "already reported" reads from the table are those the GiST index finds:
    /// around the places of the newest 40 open cases (19 m off) and of a made-up one, of any type
    /// and of one, at two radii.
    static func expectSpotsAgree(_ table: CaseTable, _ db: Database, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var spotTypes = Set<String>()
        for try await code in try await db.client.query("SELECT service_code FROM service_types WHERE about_a_spot", logger: db.logger)
            .decode(String.self) { spotTypes.insert(code) }
        var places: [(x: Double, y: Double, code: String)] = [(1_000, 1_000, "SGA")]
        for try await (x, y, code) in try await db.client.query("""
            SELECT x_m, y_m, service_code FROM service_requests r WHERE \(unescaped: NearestOpenParents.openParent)
              AND EXISTS (SELECT 1 FROM service_types t WHERE t.service_code = r.service_code AND t.about_a_spot)
            ORDER BY request_id DESC LIMIT 40
            """, logger: db.logger).decode((Double, Double, String).self) { places.append((x + 17, y - 9, code)) }
        #expect(table.spots.count > 0, sourceLocation: sourceLocation)
        let store = NearbyStore(database: db)
        var compared = 0
        for place in places {
            for (radius, code) in [(250.0, nil), (1_000, nil), (1_000, place.code)] as [(Double, String?)] {
                // Every case in the circle, so ties at the limit cannot differ; then a limit.
                let expected = try await store.openParents(nearX: place.x, y: place.y, radius: radius, serviceCode: code, count: 100_000)
                let found = table.spots.nearest(x: place.x, y: place.y, radius: radius, serviceCode: code, limit: 100_000) {
                    spotTypes.contains($0)
                }
                #expect(Set(found.map(\.requestID)) == Set(expected.map(\.requestID)), "\(place) \(radius) \(code ?? "any")",
                        sourceLocation: sourceLocation)
                #expect(found.sorted { $0.requestID < $1.requestID } == expected.sorted { $0.requestID < $1.requestID },
                        "the same fields", sourceLocation: sourceLocation)
                let distances = found.map { (($0.x - place.x) * ($0.x - place.x) + ($0.y - place.y) * ($0.y - place.y)).squareRoot() }
                #expect(distances == distances.sorted(), "nearest first", sourceLocation: sourceLocation)
                let limited = table.spots.nearest(x: place.x, y: place.y, radius: radius, serviceCode: code, limit: 5) { spotTypes.contains($0) }
                #expect(limited.map(\.requestID) == Array(found.prefix(5).map(\.requestID)), sourceLocation: sourceLocation)
                compared += expected.count
            }
        }
        #expect(compared >= 3 * (places.count - 1), "each open case is found from its own place", sourceLocation: sourceLocation)
    }

    /// Open311 listings: the requests the table picks, in its order, are those PostgreSQL lists,
    /// for each filter alone and together, paged, in each ward set; and the rows read for them
    /// are PostgreSQL's rows. What the table does not keep is left to PostgreSQL (nil).
    static func expectListingsAgree(_ table: CaseTable, _ db: Database, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var codes: [String] = []
        for try await code in try await db.client.query(
            "SELECT service_code FROM service_requests GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 3", logger: db.logger
        ).decode(String.self) { codes.append(code) }
        var wards: [String] = []
        for try await ward in try await db.client.query(
            "SELECT ward FROM request_wards WHERE ward_set_id = 3 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2", logger: db.logger
        ).decode(String.self) { wards.append(ward) }
        try #require(codes.count == 3 && wards.count == 2)
        let open = try #require(CaseStatus.open311Group(named: "open")), closed = try #require(CaseStatus.open311Group(named: "closed"))
        let (from, to) = (try date("2020-12-01T06:00:00Z"), try date("2021-01-01T18:00:00Z"))
        let filters: [RequestFilter] = [
            RequestFilter(), RequestFilter(limit: 7), RequestFilter(limit: 50, offset: 120),
            RequestFilter(requestedFrom: from, requestedTo: to),
            RequestFilter(serviceCodes: [codes[1]]), RequestFilter(serviceCodes: [codes[1], codes[2]]),
            RequestFilter(serviceCodes: ["NO-SUCH-TYPE"]), RequestFilter(serviceCodes: []),
            RequestFilter(statuses: open), RequestFilter(statuses: closed, requestedFrom: from),
            RequestFilter(ward: wards[0]), RequestFilter(ward: "no such ward"),
            RequestFilter(serviceCodes: [codes[0]], statuses: open, requestedTo: to, ward: wards[1], limit: 20, offset: 5),
            // By update time (no index of it in PostgreSQL since migration 13): a period, either
            // end alone, and the last hour (the cases a test changed just now).
            RequestFilter(updatedAfter: from, updatedBefore: to), RequestFilter(updatedBefore: from, limit: 40, offset: 10),
            RequestFilter(serviceCodes: [codes[1]], updatedAfter: from),
            RequestFilter(updatedAfter: Date(timeIntervalSinceNow: -3_600)),
        ]
        let store = RequestQueryStore(database: db)
        var listed = 0
        for setID in [3, 2, nil] as [Int?] {
            for filter in filters {
                let expected = try await store.list(filter, wardSetID: setID, withNotes: false)
                let picked = try #require(table.newestRequestIDs(filter, wardSetID: setID), sourceLocation: sourceLocation)
                #expect(picked == expected.map(\.requestID), "\(filter) in set \(setID.map(String.init) ?? "none")", sourceLocation: sourceLocation)
                let read = try await store.list(requestIDs: picked, wardSetID: setID, withNotes: false)
                #expect(read.map(\.serviceRequestID) == expected.map(\.serviceRequestID), sourceLocation: sourceLocation)
                #expect(read.map(\.ward) == expected.map(\.ward), sourceLocation: sourceLocation)
                listed += expected.count
            }
        }
        #expect(listed > 6_000, "the filters list something", sourceLocation: sourceLocation)
        #expect(table.newestRequestIDs(RequestFilter(serviceRequestIDs: ["x"]), wardSetID: 3) == nil, sourceLocation: sourceLocation)
        #expect(table.newestRequestIDs(RequestFilter(limit: 1_000, offset: CaseTable.maxListedDepth), wardSetID: 3) == nil,
                sourceLocation: sourceLocation)
    }

    @Test func aLoadedTableCountsAsPostgreSQLDoes() async throws {
        try await TestDatabase.withSampleCity { db in
            let table = try await CaseFeedStore(database: db).loadTable()
            #expect(table.count > 2_000)
            try await Self.expectSummariesAgree(table, db)
            try await Self.expectPointsAgree(table, db)
            try await Self.expectSpotsAgree(table, db)
            try await Self.expectListingsAgree(table, db)
        }
    }

    /// Loaded in parts of a few thousand ids, the table is the same.
    @Test func aLoadInPartsIsTheSame() async throws {
        try await TestDatabase.withSampleCity { db in
            let table = try await CaseFeedStore(database: db, loadChunk: 7_919).loadTable()
            try await Self.expectSummariesAgree(table, db)
        }
    }

    /// Cases closed, reopened, merged, moved to another ward, deleted and added, then taken in
    /// from the feed: the table agrees again. One change commits only after a read of the feed
    /// that began while it was running, and is still taken in by the next.
    @Test func changesTakenInFromTheFeedKeepItEqual() async throws {
        try await TestDatabase.withSampleCityCopy { db in
            let feed = CaseFeedStore(database: db)
            var table = try await feed.loadTable()
            let logger = db.logger
            try await db.client.query("""
                UPDATE service_requests SET status = 'closed', closed_at = requested_at + interval '3 days', ever_closed = true
                WHERE request_id IN (SELECT request_id FROM service_requests WHERE closed_at IS NULL AND parent_request_id IS NULL
                                     AND requested_at >= '2020-06-01' ORDER BY request_id LIMIT 40)
                """, logger: logger)
            try await db.client.query("""
                UPDATE service_requests SET status = 'reopened', closed_at = NULL, reopened = true, updated_at = now()
                WHERE request_id IN (SELECT request_id FROM service_requests WHERE status = 'closed' AND parent_request_id IS NULL
                                     AND child_count = 0 AND requested_at >= '2020-09-01' ORDER BY request_id LIMIT 25)
                """, logger: logger)
            // One of them merged into another case: no longer an open spot of its own.
            try await db.client.query("""
                UPDATE service_requests SET parent_request_id = (SELECT min(request_id) FROM service_requests WHERE parent_request_id IS NULL)
                WHERE request_id = (SELECT max(request_id) FROM service_requests WHERE status = 'reopened' AND parent_request_id IS NULL
                                    AND x_m IS NOT NULL AND child_count = 0)
                """, logger: logger)
            try await db.client.query("""
                UPDATE request_wards SET ward = (SELECT min(ward) FROM wards WHERE ward_set_id = 3)
                WHERE ward_set_id = 3 AND request_id IN (SELECT request_id FROM service_requests ORDER BY request_id DESC LIMIT 30)
                """, logger: logger)
            try await db.client.query("""
                DELETE FROM service_requests WHERE request_id IN (
                    SELECT request_id FROM service_requests WHERE child_count = 0 AND parent_request_id IS NULL ORDER BY request_id DESC LIMIT 12)
                """, logger: logger)
            try await db.client.query("""
                INSERT INTO service_requests (service_request_id, service_code, status, description, requested_at, updated_at, address,
                                              longitude, latitude, location_precision, x_m, y_m, source)
                SELECT 'TEST-' || request_id, service_code, 'open', '', now() - interval '1 day', now(), address,
                       longitude, latitude, location_precision, x_m + 5, y_m, 'test'
                FROM service_requests WHERE x_m IS NOT NULL ORDER BY request_id LIMIT 20
                """, logger: logger)

            // A transaction that writes, and commits only after a read of the feed has begun.
            let late = try await db.client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                var id: Int64 = 0
                for try await written in try await connection.query("""
                    UPDATE service_requests SET status = 'canceled', closed_at = '2020-12-15T12:00:00Z', ever_closed = true
                    WHERE request_id = (SELECT min(request_id) FROM service_requests WHERE closed_at IS NULL AND requested_at >= '2020-12-01'
                                        AND parent_request_id IS NULL)
                    RETURNING request_id
                    """, logger: logger).decode(Int64.self) { id = written }
                try table.apply(try await feed.changes(since: table.cursor))
                try await connection.query("COMMIT", logger: logger)
                return id
            }
            #expect(late > 0)
            try table.apply(try await feed.changes(since: table.cursor))
            try await Self.expectSummariesAgree(table, db)
            try await Self.expectPointsAgree(table, db)
            try await Self.expectSpotsAgree(table, db)
            try await Self.expectListingsAgree(table, db)
            let again = try await feed.loadTable()
            #expect(again.spots.count == table.spots.count)
            #expect(again.count == table.count)
        }
    }

    /// Pruning keeps the notes of a transaction that was still running at the last horizon,
    /// however long ago it began: they are read once it commits.
    @Test func pruningKeepsTheNotesOfALateCommit() async throws {
        try await TestDatabase.withSampleCityCopy { db in
            let feed = CaseFeedStore(database: db), logger = db.logger
            var table = try await feed.loadTable()
            @Sendable func notes(_ id: Int64) async throws -> Int {
                var n = 0
                for try await c in try await db.client.query("SELECT count(*)::int FROM case_changes WHERE request_id = \(id)", logger: logger)
                    .decode(Int.self) { n = c }
                return n
            }
            try await feed.prune(lifetime: .zero)
            let id = try await db.client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                var id: Int64 = 0
                for try await written in try await connection.query("""
                    UPDATE service_requests SET status = 'canceled', closed_at = '2020-12-15T12:00:00Z', ever_closed = true
                    WHERE request_id = (SELECT min(request_id) FROM service_requests WHERE closed_at IS NULL AND parent_request_id IS NULL)
                    RETURNING request_id
                    """, logger: logger).decode(Int64.self) { id = written }
                try await feed.prune(lifetime: .zero)  // the horizon stops at this running transaction
                try await feed.prune(lifetime: .zero)
                try await connection.query("COMMIT", logger: logger)
                return id
            }
            #expect(try await notes(id) == 1)
            try table.apply(try await feed.changes(since: table.cursor))
            try await Self.expectSummariesAgree(table, db)
            // Once every transaction running at a horizon has ended (tests beside this one write
            // too), the next prune takes the note.
            for _ in 0..<100 where try await notes(id) > 0 {
                try await feed.prune(lifetime: .zero)
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await notes(id) == 0, "read by every reader that caught up since: gone")
        }
    }

    /// A statement that changes too many cases to list moves the feed's epoch on: a table
    /// loaded before it must be loaded again.
    @Test func aBulkChangeAsksForALoad() async throws {
        try await TestDatabase.withSampleCityCopy { db in
            let feed = CaseFeedStore(database: db)
            var table = try await feed.loadTable()
            try await db.client.query("""
                INSERT INTO service_requests (service_request_id, service_code, status, description, requested_at, updated_at, address, source)
                SELECT 'BULK-' || g, t.service_code, 'open', '', now(), now(), '', 'test'
                FROM (SELECT min(service_code) AS service_code FROM service_types) t, generate_series(1, 10001) g
                """, logger: db.logger)
            let batch = try await feed.changes(since: table.cursor)
            #expect(batch.epoch == table.epoch + 1)
            #expect(batch.changed?.isEmpty == true, "a bulk statement notes no ids")
            #expect(throws: CaseMirrorError.self) { try table.apply(batch) }

            // Cases placed in a ward set again (a few thousand: under the trigger's threshold,
            // and the ward rows' insert notes nothing) move it on too.
            table = try await feed.loadTable()
            let wardSets = WardSetStore(database: db)
            try await wardSets.assignRequests(toSet: try await wardSets.set(named: "chicago-2023"), onlyMissing: false)
            #expect(try await feed.changes(since: table.cursor).epoch == table.epoch + 1)
        }
    }

    /// A listing passed over by blocks of slots (`SlotTimeSpans`) is that of a sort of every case,
    /// whatever order ids and times come in: ids following time (most blocks skipped), a few
    /// cases in old blocks newer than every other, ties in time across a block's edge, holes, a
    /// case whose time changed, and date windows that end inside a block. A hotspot map's date
    /// window passes over the same blocks: its points are every case received in the window.
    @Test func aListingByBlocksIsThatOfASort() throws {
        let slots = 5 * SlotTimeSpans.slotsPerBlock + 123
        var rows = CaseRows()
        for slot in 0..<slots where slot % 97 != 13 {  // holes: ids never stored
            var time = Double(slot / 3) * 60  // three cases a minute, in id order
            if slot % 1_999 == 7 { time += 10_000_000 }  // an old id with the newest time (an import's order)
            if slot / SlotTimeSpans.slotsPerBlock == 3 { time = Double(4 * SlotTimeSpans.slotsPerBlock / 3) * 60 }  // one time across an edge
            rows.ids.append(Int64(slot) + 1); rows.codes.append(Int32(slot % 3 == 0 ? 1 : 0))
            rows.statuses.append(Int32(slot % 5 == 0 ? 6 : 1)); rows.requestedAt.append(time)
            for column in [\CaseRows.closedAt, \.acknowledgedAt, \.acknowledgeDueAt, \.respondDueAt] {
                rows[keyPath: column].append(.nan)
            }
            rows.x.append(Double(slot)); rows.y.append(0)
            rows.updatedAt.append(time); rows.childCounts.append(0)
            rows.flags.append(CaseFlags.mappable.rawValue | CaseFlags.isCase.rawValue)
        }
        var table = try CaseTable(epoch: 1, cursor: 0, wardSets: [], ids: 1...Int64(slots))
        try table.take(CaseFeedBatch(epoch: 1, cursor: 0, changed: nil, codeNames: ["A", "B"], cases: rows, wards: []))
        // A case moved to an older time: its block's span stays as wide as it was.
        var moved = CaseRows()
        for keyPath in [\CaseRows.requestedAt, \.closedAt, \.acknowledgedAt, \.acknowledgeDueAt, \.respondDueAt, \.x, \.y, \.updatedAt] {
            moved[keyPath: keyPath].append(keyPath == \CaseRows.requestedAt || keyPath == \CaseRows.updatedAt ? 5 : .nan)
        }
        moved.ids = [Int64(slots)]; moved.codes = [0]; moved.statuses = [1]; moved.childCounts = [0]
        moved.flags = [CaseFlags.mappable.rawValue | CaseFlags.isCase.rawValue]
        try table.apply(CaseFeedBatch(epoch: 1, cursor: 1, changed: [Int64(slots)], codeNames: ["A", "B"], cases: moved, wards: []))

        var times: [Int64: Double] = [:]
        for (i, id) in rows.ids.enumerated() { times[id] = rows.requestedAt[i] }
        times[Int64(slots)] = 5
        let codeOf = Dictionary(uniqueKeysWithValues: rows.ids.enumerated().map { ($0.element, rows.codes[$0.offset] == 1 ? "B" : "A") })
        let closed = Set(rows.ids.enumerated().filter { rows.statuses[$0.offset] == 6 }.map(\.element))
        let edge = Double(4 * SlotTimeSpans.slotsPerBlock / 3) * 60
        let filters: [RequestFilter] = [
            RequestFilter(limit: 1_000), RequestFilter(limit: 10, offset: 3), RequestFilter(limit: 5_000),
            RequestFilter(serviceCodes: ["B"], limit: 300), RequestFilter(serviceCodes: ["B"], statuses: [.open], limit: 50),
            RequestFilter(requestedFrom: Date(timeIntervalSince1970: 1_000), requestedTo: Date(timeIntervalSince1970: edge), limit: 700),
            RequestFilter(requestedTo: Date(timeIntervalSince1970: edge - 60), limit: 2_000),
            RequestFilter(requestedFrom: Date(timeIntervalSince1970: 0), requestedTo: Date(timeIntervalSince1970: 600), limit: 1_000),
        ]
        for filter in filters {
            let expected = times.keys.filter { id in
                let t = times[id]!
                return t >= (filter.requestedFrom?.timeIntervalSince1970 ?? -.infinity) && t <= (filter.requestedTo?.timeIntervalSince1970 ?? .infinity)
                    && (filter.serviceCodes.map { $0.contains(codeOf[id]!) } ?? true)
                    && (filter.statuses == nil || !closed.contains(id))
            }.sorted { times[$0]! > times[$1]! || (times[$0]! == times[$1]! && $0 > $1) }
            let picked = try #require(table.newestRequestIDs(filter, wardSetID: nil))
            let wanted = Array(expected.dropFirst(filter.offset).prefix(filter.limit))
            // Compared whole, reported by the first difference (the lists run to thousands of ids).
            let same = picked == wanted
            let firstDifference = Array(zip(picked, wanted)).firstIndex { $0 != $1 } ?? min(picked.count, wanted.count)
            #expect(same, "\(filter): \(picked.count) picked, \(wanted.count) wanted, first difference at \(firstDifference)")
            #expect(!wanted.isEmpty, "\(filter) lists something")
        }
        // A hotspot map's window passes over blocks the same way: the points are those received in it.
        for filter in filters where filter.requestedFrom != nil {
            let window = ClusterFilter(from: filter.requestedFrom, to: filter.requestedTo, includeDuplicates: true)
            let drawn = table.clusterPoints(window, spotTypes: ["A", "B"])
            let inWindow = times.values.filter { $0 >= window.from!.timeIntervalSince1970 && $0 < window.to!.timeIntervalSince1970 }
            #expect(drawn.count == inWindow.count && !inWindow.isEmpty, "\(window)")
        }
    }

    /// The newest kept for a listing are those of a sort, whatever order ids and times come in:
    /// at random, oldest first, newest first, with ties in time broken by the higher id.
    @Test func theNewestKeptAreThoseOfASort() {
        var generator = SystemRandomNumberGenerator()
        for size in [0, 1, 7, 1_000, 30_000] {
            let random = (0..<size).map { _ in Double(Int.random(in: 0..<max(1, size / 3), using: &generator)) }
            let ascending = (0..<size).map(Double.init)
            for times in [random, ascending, Array(ascending.reversed())] {
                let expected = times.indices.sorted { times[$0] > times[$1] || (times[$0] == times[$1] && $0 > $1) }
                for keeping in [0, 1, 5, 1_000, 5_000, size + 3] {
                    var newest = NewestCases(keeping: keeping)
                    for slot in times.indices { newest.offer(times[slot], slot) }
                    #expect(newest.inOrder() == Array(expected.prefix(keeping)), "\(size) cases, keeping \(keeping)")
                }
            }
        }
    }

    /// The percentiles found by selection are those of a sort, as PostgreSQL's `percentile_cont`
    /// gives them: ties, runs of one value, two values, one value.
    @Test func percentilesBySelectionAreThoseOfASort() {
        var generator = SystemRandomNumberGenerator()
        for size in [1, 2, 3, 10, 101, 1_000, 4_096] {
            for spread in [1, 5, 1_000_000] {
                let values = (0..<size).map { _ in Double(Int.random(in: 0..<spread, using: &generator)) / 7 }
                let sorted = values.sorted()
                for fraction in [0.0, 0.1, 0.5, 0.9, 1.0] {
                    let position = fraction * Double(size - 1)
                    let below = Int(position.rounded(.down)), above = Int(position.rounded(.up))
                    let expected = sorted[below] + (position - Double(below)) * (sorted[above] - sorted[below])
                    var copy = values
                    #expect(Tally.percentile(fraction, of: &copy) == expected, "\(size) values, spread \(spread), \(fraction)")
                }
            }
        }
        var none: [Double] = []
        #expect(Tally.percentile(0.5, of: &none) == nil)
    }
}
