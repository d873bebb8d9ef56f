import Foundation
import SamespotCore
import SamespotGeo
import SamespotStore

/// A hotspot: a DBSCAN cluster of requests, as a planner's map draws it.
public struct Hotspot: Sendable {
    public var rank: Int
    /// Requests in the cluster (problems, or every report with duplicates included).
    public var count: Int
    /// Reports behind them: each request and the duplicates merged into it.
    public var reports: Int
    public var centroidLongitude: Double
    public var centroidLatitude: Double
    /// The convex hull's corners, longitude/latitude, counter-clockwise; fewer than three when
    /// the cluster's points lie on one line or spot.
    public var hull: [(longitude: Double, latitude: Double)]
    /// The most frequent types, most first.
    public var topTypes: [(serviceCode: String, count: Int)]
    /// The tracking numbers of its requests, when they were asked for; empty otherwise.
    public var memberIDs: [String]
}

public struct HotspotMap: Sendable {
    public var points: Int
    public var noise: Int
    public var clusterCount: Int
    /// The largest clusters, at most the limit asked.
    public var hotspots: [Hotspot]
    public var loadSeconds: Double
    public var clusterSeconds: Double
}

/// Hotspot clusters for planners: DBSCAN in the city's metric grid over the requests a filter
/// picks, from the cases in memory (`CaseMirror`, current as of the call), or read from
/// PostgreSQL while they are being loaded and for a map that lists its clusters' cases.
public struct ClusterService: Sendable {
    public let store: ClusterPointStore
    public let projections: ProjectionPool
    public let mirror: CaseMirror?
    /// The service types about a place, from the catalog in force.
    let spotTypes: @Sendable () -> Set<String>
    public init(store: ClusterPointStore, projections: ProjectionPool, mirror: CaseMirror? = nil,
                spotTypes: @escaping @Sendable () -> Set<String> = { [] }) {
        self.store = store
        self.projections = projections
        self.mirror = mirror
        self.spotTypes = spotTypes
    }

    /// - Parameter members: list each hotspot's tracking numbers (`Hotspot.memberIDs`).
    public func hotspots(_ filter: ClusterFilter, eps: Double, minPoints: Int, limit: Int, members: Bool = false) async throws -> HotspotMap {
        let clock = ContinuousClock()
        let start = clock.now
        var points: ClusterPoints
        if !members, let mirror, let picked = await mirror.read({ [spotTypes = spotTypes()] in $0.clusterPoints(filter, spotTypes: spotTypes) }) {
            points = picked
        } else {
            points = try await store.points(filter, withIDs: members)
        }
        let loaded = clock.now
        var map = try projections.withProjection { Self.hotspots(points, eps: eps, minPoints: minPoints, limit: limit, projection: $0) }
        map.loadSeconds = (loaded - start).seconds
        map.clusterSeconds = (clock.now - loaded).seconds
        return map
    }

    /// The clustering and the summaries of the largest clusters, without I/O (the benchmark runs
    /// this); `projection` turns their centroids and hull corners back into degrees.
    public static func hotspots(_ points: ClusterPoints, eps: Double, minPoints: Int, limit: Int, projection: Projection) -> HotspotMap {
        let result = DBSCAN.cluster(x: points.x, y: points.y, eps: eps, minPoints: minPoints)
        let shown = min(limit, result.clusterCount)
        var members = [[Int]](repeating: [], count: shown)
        var noise = 0
        for (i, label) in result.labels.enumerated() {
            if label < 0 { noise += 1 } else if label < shown { members[Int(label)].append(i) }
        }
        func degrees(_ x: Double, _ y: Double) -> (longitude: Double, latitude: Double) {
            projection.inverseMetres(x: x, y: y) ?? (.nan, .nan)
        }
        let hotspots = members.enumerated().map { rank, indices in
            var sumX = 0.0, sumY = 0.0, reports = 0
            var byType: [Int32: Int] = [:]
            for i in indices {
                sumX += points.x[i]; sumY += points.y[i]
                reports += Int(points.reports[i])
                byType[points.code[i], default: 0] += 1
            }
            let n = Double(indices.count)
            let centroid = degrees(sumX / n, sumY / n)
            let hull = ConvexHull.indices(of: indices, x: points.x, y: points.y).map { degrees(points.x[$0], points.y[$0]) }
            let top = byType.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3)
                .map { (serviceCode: points.codes[Int($0.key)], count: $0.value) }
            return Hotspot(rank: rank, count: indices.count, reports: reports, centroidLongitude: centroid.longitude,
                           centroidLatitude: centroid.latitude, hull: hull, topTypes: Array(top),
                           memberIDs: points.ids.isEmpty ? [] : indices.map { points.ids[$0] })
        }
        return HotspotMap(points: points.count, noise: noise, clusterCount: result.clusterCount, hotspots: hotspots,
                          loadSeconds: 0, clusterSeconds: 0)
    }
}
