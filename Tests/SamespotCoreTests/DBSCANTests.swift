import SamespotCore
import Testing

@Suite struct DBSCANTests {
    /// The textbook algorithm, O(n²): the reference the grid version must agree with.
    static func naive(x: [Double], y: [Double], eps: Double, minPoints: Int) -> (core: [Bool], labels: [Int]) {
        let n = x.count
        func neighbours(_ i: Int) -> [Int] {
            (0..<n).filter { j in (x[i] - x[j]) * (x[i] - x[j]) + (y[i] - y[j]) * (y[i] - y[j]) <= eps * eps }
        }
        let core = (0..<n).map { neighbours($0).count >= minPoints }
        var labels = [Int](repeating: -1, count: n)
        var next = 0
        for i in 0..<n where core[i] && labels[i] < 0 {
            labels[i] = next
            var queue = [i]
            while let p = queue.popLast() {
                for q in neighbours(p) where core[q] && labels[q] < 0 {
                    labels[q] = next
                    queue.append(q)
                }
            }
            next += 1
        }
        return (core, labels)
    }

    @Test(arguments: [(50.0, 4), (20.0, 3), (80.0, 10), (5.0, 2)])
    func agreesWithTheTextbookAlgorithm(eps: Double, minPoints: Int) {
        var rng = SplitMix64(seed: UInt64(eps * 1000) + UInt64(minPoints))
        // Blobs of points around a few centres plus scattered noise, in metres.
        var x: [Double] = [], y: [Double] = []
        for _ in 0..<8 {
            let cx = Double.random(in: 0...2_000, using: &rng), cy = Double.random(in: 0...2_000, using: &rng)
            for _ in 0..<Int.random(in: 5...60, using: &rng) {
                x.append(cx + Double.random(in: -60...60, using: &rng)); y.append(cy + Double.random(in: -60...60, using: &rng))
            }
        }
        for _ in 0..<200 { x.append(Double.random(in: 0...2_000, using: &rng)); y.append(Double.random(in: 0...2_000, using: &rng)) }
        let grid = DBSCAN.cluster(x: x, y: y, eps: eps, minPoints: minPoints)
        let reference = Self.naive(x: x, y: y, eps: eps, minPoints: minPoints)

        // The same core points.
        #expect(x.indices.filter { grid.isCore[$0] != reference.core[$0] }.isEmpty)
        // The same partition of core points into clusters (numbering may differ).
        var mapping: [Int32: Int] = [:]
        for i in x.indices where reference.core[i] {
            let g = grid.labels[i]
            #expect(g >= 0)
            if let m = mapping[g] { #expect(m == reference.labels[i]) } else { mapping[g] = reference.labels[i] }
        }
        #expect(Set(mapping.values).count == mapping.count)
        #expect(grid.clusterCount == Set(reference.labels.filter { $0 >= 0 }).count)
        // Border points join a cluster of a core point within eps; noise has none within eps.
        for i in x.indices where !reference.core[i] {
            let coreNear = x.indices.filter { j in
                reference.core[j] && (x[i] - x[j]) * (x[i] - x[j]) + (y[i] - y[j]) * (y[i] - y[j]) <= eps * eps
            }
            if coreNear.isEmpty {
                #expect(grid.labels[i] == -1)
            } else {
                #expect(coreNear.contains { grid.labels[$0] == grid.labels[i] })
            }
        }
    }

    @Test func clustersAreNumberedFromTheLargest() {
        // 10 points at one spot, 4 at another, 1 alone.
        let x = Array(repeating: 0.0, count: 10) + Array(repeating: 500.0, count: 4) + [5_000]
        let y = Array(repeating: 0.0, count: 15)
        let result = DBSCAN.cluster(x: x, y: y, eps: 10, minPoints: 3)
        #expect(result.clusterCount == 2)
        #expect(result.labels == Array(repeating: 0, count: 10) + Array(repeating: 1, count: 4) + [-1])
    }

    @Test func pointsLeftAndBelowTheFirstCellAreFound() {
        // Cells count from the minimum; neighbours asked at -1 must not be mistaken for cells.
        let result = DBSCAN.cluster(x: [0, 1, 2], y: [0, 0, 0], eps: 5, minPoints: 3)
        #expect(result.labels == [0, 0, 0])
        #expect(DBSCAN.cluster(x: [], y: [], eps: 5, minPoints: 3).clusterCount == 0)
    }
}

@Suite struct ConvexHullTests {
    @Test func hullOfASquareWithInsidePointsIsItsCorners() {
        let x: [Double] = [0, 10, 10, 0, 5, 3, 5, 10]
        let y: [Double] = [0, 0, 10, 10, 5, 7, 0, 5]
        let hull = ConvexHull.indices(of: Array(x.indices), x: x, y: y)
        // Counter-clockwise from the lowest x (then y); collinear edge points (5,0), (10,5) left out.
        #expect(hull == [0, 1, 2, 3])
    }

    @Test func degenerateSetsGiveFewerThanThreeCorners() {
        #expect(ConvexHull.indices(of: [0, 1], x: [1, 1], y: [2, 2]).count == 1)
        #expect(ConvexHull.indices(of: [0, 1, 2], x: [0, 1, 2], y: [0, 1, 2]) == [0, 2])
    }
}

@Suite struct ConvexHullCloudTests {
    /// Every point is on or inside the hull, and every corner is a point no other pair of points
    /// has strictly outside: checked by brute force on clouds large enough for the hull to drop
    /// the interior before sorting.
    @Test func hullsOfLargeCloudsHoldEveryPointAndOnlyTrueCorners() {
        var rng = SplitMix64(seed: 42)
        for size in [10, 65, 500, 3_000] {
            let x = (0..<size).map { _ in Double.random(in: -100...100, using: &rng) }
            let y = (0..<size).map { _ in Double.random(in: -50...50, using: &rng) }
            let hull = ConvexHull.indices(of: Array(x.indices), x: x, y: y)
            #expect(hull.count >= 3)
            func cross(_ o: Int, _ a: Int, _ p: Int) -> Double { (x[a] - x[o]) * (y[p] - y[o]) - (y[a] - y[o]) * (x[p] - x[o]) }
            // Counter-clockwise, every point on the left of (or on) every edge.
            for k in hull.indices {
                let a = hull[k], b = hull[(k + 1) % hull.count]
                #expect(x.indices.allSatisfy { cross(a, b, $0) >= -1e-9 })
            }
            // A corner is not inside the triangle of any three other corners' fan: it is strictly
            // outside the polygon of the remaining corners.
            for k in hull.indices where hull.count > 3 {
                let others = hull.enumerated().filter { $0.offset != k }.map(\.element)
                let p = hull[k]
                let inside = others.indices.allSatisfy { i in cross(others[i], others[(i + 1) % others.count], p) >= 0 }
                #expect(!inside)
            }
        }
    }
}
