import Foundation
import SamespotCore
import SamespotStore
import SamespotTestSupport
import Testing

/// The hotspot map's points read in parts side by side, under one exported snapshot, are the
/// points one query reads: none twice, none missed, each with its own type and reports.
@Suite struct ClusterPointStoreTests {
    struct Point: Hashable { var x: Double; var y: Double; var code: String; var reports: Int32; var id: String }

    static func points(_ store: ClusterPointStore, _ filter: ClusterFilter) async throws -> [Point] {
        let p = try await store.points(filter, withIDs: true)
        #expect(p.x.count == p.y.count && p.x.count == p.code.count && p.x.count == p.reports.count && p.x.count == p.ids.count)
        return p.x.indices.map { Point(x: p.x[$0], y: p.y[$0], code: p.codes[Int(p.code[$0])], reports: p.reports[$0], id: p.ids[$0]) }
    }

    @Test func partsReadTogetherAreTheWholeTable() async throws {
        try await TestDatabase.withSampleCity { db in
            let noon = try #require(ISO8601DateFormatter().date(from: "2021-01-01T18:00:00Z"))
            for filter in [ClusterFilter(), ClusterFilter(includeDuplicates: true), ClusterFilter(statuses: [.closed], from: noon)] {
                let whole = try await Self.points(ClusterPointStore(database: db, parts: 1), filter)
                #expect(whole.count > 100)
                #expect(Set(whole.map(\.id)).count == whole.count)
                for parts in [2, 3, 7] {
                    let split = try await Self.points(ClusterPointStore(database: db, parts: parts), filter)
                    #expect(split.count == whole.count, "\(parts) parts")
                    #expect(Set(split) == Set(whole), "\(parts) parts")
                }
            }
            #expect(try await Self.points(ClusterPointStore(database: db), ClusterFilter()).contains { $0.reports > 1 },
                    "a merged family counts its reports")
        }
    }

    /// Many maps at once, more than the pool has connections: each gets its points (one read in
    /// parts at a time; the others read in one query rather than wait for a second connection).
    @Test func manyMapsAtOnceAllGetTheirPoints() async throws {
        try await TestDatabase.withSampleCity { db in
            let store = ClusterPointStore(database: db, parts: 3)
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<48 { group.addTask { try await store.points(ClusterFilter()).count } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.count == 48)
            #expect(Set(counts).count == 1 && counts[0] > 100)
        }
    }
}
