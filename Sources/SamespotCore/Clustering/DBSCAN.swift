/// Density-based clustering (DBSCAN, Ester et al. 1996) of points in metres, exact, in about
/// linear time for city data.
///
/// Why a grid of side eps/√2 (Gunawan's grid DBSCAN): any two points in one cell are within eps
/// of each other, so a cell holding `minPoints` points makes all of them core points without a
/// single distance computed, and two cells can only hold neighbours if they are at most two
/// cells apart (21 cells, corners excluded). Clusters are then the connected components of core
/// cells, joined when some pair of their core points lies within eps (the search stops at the
/// first such pair). A border point joins the cluster of a core point within eps, as in the
/// original algorithm (which of two clusters a border point between them joins is not fixed
/// by DBSCAN either); every other point is noise.
public enum DBSCAN {
    public struct Result: Sendable, Equatable {
        /// The cluster of each input point, numbered 0..<clusterCount from the largest cluster
        /// down; -1 for noise.
        public var labels: [Int32]
        public var clusterCount: Int
        /// Which points are core points (at least `minPoints` within eps, counting themselves).
        public var isCore: [Bool]
    }

    /// - Parameters:
    ///   - x, y: coordinates in metres (a projected CRS), one pair per point.
    ///   - eps: the neighbourhood radius in metres (> 0).
    ///   - minPoints: points within eps, the point itself included, that make a core point.
    public static func cluster(x: [Double], y: [Double], eps: Double, minPoints: Int) -> Result {
        precondition(x.count == y.count, "x and y must have one value per point")
        precondition(eps > 0 && eps.isFinite, "eps must be a positive distance")
        let n = x.count
        guard n > 0 else { return Result(labels: [], clusterCount: 0, isCore: []) }
        let grid = CellGrid(x: x, y: y, side: eps / 2.0.squareRoot())
        let eps2 = eps * eps
        let minPoints = max(1, minPoints)
        let cellCount = grid.cellCount

        // Everything below works on positions in cell order: a cell's points are neighbours in
        // memory, so scanning a cell reads one contiguous run (a million points do not fit in a
        // cache; jumping to them in input order would miss it at almost every point).
        var isCore = [Bool](repeating: false, count: n)
        var cellHasCore = [Bool](repeating: false, count: cellCount)
        var component = [Int32](repeating: -1, count: n)
        grid.sortedX.withUnsafeBufferPointer { xs in
        grid.sortedY.withUnsafeBufferPointer { ys in
        grid.start.withUnsafeBufferPointer { start in
        isCore.withUnsafeMutableBufferPointer { core in
        cellHasCore.withUnsafeMutableBufferPointer { cellCore in
        component.withUnsafeMutableBufferPointer { comp in
            // Within eps of (px, py): at least `needed` points of these cells?
            func count(_ px: Double, _ py: Double, in cells: ArraySlice<Int32>, upTo needed: Int) -> Bool {
                var found = 0
                for nc in cells {
                    for q in Int(start[Int(nc)])..<Int(start[Int(nc) + 1]) {
                        let dx = xs[q] - px, dy = ys[q] - py
                        if dx * dx + dy * dy <= eps2 {
                            found += 1
                            if found >= needed { return true }
                        }
                    }
                }
                return false
            }

            // 1. Core points: every point of a cell holding minPoints; elsewhere, by counting.
            for c in 0..<cellCount {
                let members = Int(start[c])..<Int(start[c + 1])
                if members.count >= minPoints {
                    for p in members { core[p] = true }
                    cellCore[c] = true
                    continue
                }
                let neighbours = grid.neighbourCells(of: c)
                for p in members where count(xs[p], ys[p], in: neighbours, upTo: minPoints) {
                    core[p] = true
                    cellCore[c] = true
                }
            }

            // 2. Join core cells holding core points within eps of each other (the first such pair will do).
            var sets = UnionFind(count: cellCount)
            func linked(_ a: Int, _ b: Int) -> Bool {
                for p in Int(start[a])..<Int(start[a + 1]) where core[p] {
                    let px = xs[p], py = ys[p]
                    for q in Int(start[b])..<Int(start[b + 1]) where core[q] {
                        let dx = xs[q] - px, dy = ys[q] - py
                        if dx * dx + dy * dy <= eps2 { return true }
                    }
                }
                return false
            }
            for c in 0..<cellCount where cellCore[c] {
                for nc in grid.neighbourCells(of: c) where Int(nc) > c && cellCore[Int(nc)] {
                    if sets.find(c) != sets.find(Int(nc)), linked(c, Int(nc)) { sets.union(c, Int(nc)) }
                }
            }

            // 3. Core points take their cell's component; border points that of a core point
            // within eps; the rest is noise.
            for c in 0..<cellCount where cellCore[c] {
                let root = Int32(sets.find(c))
                for p in Int(start[c])..<Int(start[c + 1]) where core[p] { comp[p] = root }
            }
            for c in 0..<cellCount {
                let neighbours = grid.neighbourCells(of: c)
                for p in Int(start[c])..<Int(start[c + 1]) where !core[p] {
                    let px = xs[p], py = ys[p]
                    search: for nc in neighbours where cellCore[Int(nc)] {
                        for q in Int(start[Int(nc)])..<Int(start[Int(nc) + 1]) where core[q] {
                            let dx = xs[q] - px, dy = ys[q] - py
                            if dx * dx + dy * dy <= eps2 { comp[p] = comp[q]; break search }
                        }
                    }
                }
            }
        }}}}}}

        // Number clusters from the largest down, so "cluster 0" is the biggest hotspot, and
        // give each input point its label (positions back to input order).
        var sizes = [Int](repeating: 0, count: cellCount)
        for c in component where c >= 0 { sizes[Int(c)] += 1 }
        let ranked = sizes.indices.filter { sizes[$0] > 0 }.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        var renumber = [Int32](repeating: -1, count: cellCount)
        for (rank, root) in ranked.enumerated() { renumber[root] = Int32(rank) }
        var labels = [Int32](repeating: -1, count: n)
        var coreByPoint = [Bool](repeating: false, count: n)
        for (position, point) in grid.order.enumerated() {
            let c = component[position]
            labels[Int(point)] = c >= 0 ? renumber[Int(c)] : -1
            coreByPoint[Int(point)] = isCore[position]
        }
        return Result(labels: labels, clusterCount: ranked.count, isCore: coreByPoint)
    }
}

/// Points bucketed into square cells: each cell's members are contiguous in one array
/// (a counting sort by cell), and cells are found by coordinates through an open-addressing
/// hash table, so a million points need no per-cell allocation.
struct CellGrid {
    let side: Double
    let minX: Double, minY: Double
    /// Point indices grouped by cell; cell c owns positions `start[c]..<start[c + 1]`, and
    /// `order[position]` is the point's index in the input.
    private(set) var order: [Int32]
    /// The points' coordinates in that same cell order.
    private(set) var sortedX: [Double]
    private(set) var sortedY: [Double]
    private(set) var start: [Int32]
    /// Cell coordinates of each cell.
    private(set) var cellX: [Int32]
    private(set) var cellY: [Int32]
    /// Each cell's neighbour cells (see `neighbourCells`), computed once: cell c's are
    /// `neighbours[neighbourStart[c]..<neighbourStart[c + 1]]`.
    private(set) var neighbourStart: [Int32]
    private(set) var neighbours: [Int32]

    var cellCount: Int { cellX.count }

    init(x: [Double], y: [Double], side: Double) {
        self.side = side
        minX = x.min() ?? 0
        minY = y.min() ?? 0
        let n = x.count
        var table = CellTable(expected: n)
        var cellOfPoint = [Int32](repeating: 0, count: n)
        var cellX: [Int32] = [], cellY: [Int32] = []
        var counts: [Int32] = []
        for i in 0..<n {
            let cx = Int32(((x[i] - minX) / side).rounded(.down))
            let cy = Int32(((y[i] - minY) / side).rounded(.down))
            let c = table.insertOrFind(cx, cy, next: Int32(cellX.count))
            if c == cellX.count { cellX.append(cx); cellY.append(cy); counts.append(0) }
            cellOfPoint[i] = c
            counts[Int(c)] += 1
        }
        var start = [Int32](repeating: 0, count: counts.count + 1)
        for c in 0..<counts.count { start[c + 1] = start[c] + counts[c] }
        var fill = Array(start.dropLast())
        var order = [Int32](repeating: 0, count: n)
        var sortedX = [Double](repeating: 0, count: n), sortedY = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let c = Int(cellOfPoint[i])
            let position = Int(fill[c])
            order[position] = Int32(i)
            sortedX[position] = x[i]
            sortedY[position] = y[i]
            fill[c] += 1
        }
        self.order = order
        self.sortedX = sortedX
        self.sortedY = sortedY
        self.start = start
        self.cellX = cellX
        self.cellY = cellY
        // The cells that can hold points within eps (= side·√2) of a point in a cell: offsets
        // up to two cells each way, without the four corners, the cell itself included.
        var neighbourStart = [Int32](repeating: 0, count: cellX.count + 1)
        var neighbours: [Int32] = []
        neighbours.reserveCapacity(cellX.count * 9)
        for c in 0..<cellX.count {
            let cx = cellX[c], cy = cellY[c]
            for dx in Int32(-2)...2 {
                for dy in Int32(-2)...2 where !(abs(dx) == 2 && abs(dy) == 2) {
                    if let found = table.find(cx &+ dx, cy &+ dy) { neighbours.append(found) }
                }
            }
            neighbourStart[c + 1] = Int32(neighbours.count)
        }
        self.neighbourStart = neighbourStart
        self.neighbours = neighbours
    }

    func neighbourCells(of cell: Int) -> ArraySlice<Int32> {
        neighbours[Int(neighbourStart[cell])..<Int(neighbourStart[cell + 1])]
    }
}

/// Open addressing from a cell's (x, y) to its index, linear probing, load factor ≤ 1/2.
struct CellTable {
    private var keys: [UInt64]
    private var values: [Int32]
    private let mask: Int
    private static let empty = UInt64.max

    init(expected: Int) {
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: capacity)
        values = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
    }

    private static func key(_ x: Int32, _ y: Int32) -> UInt64 { UInt64(UInt32(bitPattern: x)) << 32 | UInt64(UInt32(bitPattern: y)) }

    private func slot(_ key: UInt64) -> Int {
        // A 64-bit mix (splitmix64's finaliser) so neighbouring cells spread over the table.
        var h = key &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 31
        h &*= 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        return Int(truncatingIfNeeded: h) & mask
    }

    /// The index stored for (x, y), or `next` after storing it there. Cells are never negative
    /// (they count from the points' minimum), so no stored key is the empty marker.
    mutating func insertOrFind(_ x: Int32, _ y: Int32, next: Int32) -> Int32 {
        precondition(x >= 0 && y >= 0, "cells count from the points' minimum")
        let k = Self.key(x, y)
        var i = slot(k)
        while true {
            if keys[i] == k { return values[i] }
            if keys[i] == Self.empty {
                keys[i] = k
                values[i] = next
                return next
            }
            i = (i + 1) & mask
        }
    }

    func find(_ x: Int32, _ y: Int32) -> Int32? {
        let k = Self.key(x, y)
        var i = slot(k)
        while true {
            // Empty first: the cell (-1, -1), asked for as a neighbour, has the empty marker's bits.
            if keys[i] == Self.empty { return nil }
            if keys[i] == k { return values[i] }
            i = (i + 1) & mask
        }
    }
}

/// Disjoint sets with path halving and union by size.
struct UnionFind {
    private var parent: [Int32]
    private var size: [Int32]

    init(count: Int) {
        parent = (0..<Int32(count)).map { $0 }
        size = [Int32](repeating: 1, count: count)
    }

    mutating func find(_ i: Int) -> Int {
        var i = Int32(i)
        while parent[Int(i)] != i {
            parent[Int(i)] = parent[Int(parent[Int(i)])]
            i = parent[Int(i)]
        }
        return Int(i)
    }

    mutating func union(_ a: Int, _ b: Int) {
        var ra = find(a), rb = find(b)
        guard ra != rb else { return }
        if size[ra] < size[rb] { swap(&ra, &rb) }
        parent[rb] = Int32(ra)
        size[ra] += size[rb]
    }
}
