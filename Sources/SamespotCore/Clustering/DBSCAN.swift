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

        // 1. Core points.
        var isCore = [Bool](repeating: false, count: n)
        var cellHasCore = [Bool](repeating: false, count: grid.cellCount)
        for c in 0..<grid.cellCount {
            let members = grid.members(of: c)
            if members.count >= minPoints {
                for p in members { isCore[Int(p)] = true }
                cellHasCore[c] = true
                continue
            }
            let neighbours = grid.neighbourCells(of: c)
            for p in members {
                let px = x[Int(p)], py = y[Int(p)]
                var count = 0
                search: for nc in neighbours {
                    for q in grid.members(of: Int(nc)) {
                        let dx = x[Int(q)] - px, dy = y[Int(q)] - py
                        if dx * dx + dy * dy <= eps2 {
                            count += 1
                            if count >= minPoints { break search }
                        }
                    }
                }
                if count >= minPoints { isCore[Int(p)] = true; cellHasCore[c] = true }
            }
        }

        // 2. Join core cells that hold core points within eps of each other.
        var sets = UnionFind(count: grid.cellCount)
        for c in 0..<grid.cellCount where cellHasCore[c] {
            for nc in grid.neighbourCells(of: c).lazy.map(Int.init) where nc > c && cellHasCore[nc] {
                if sets.find(c) != sets.find(nc), grid.anyPairWithin(eps2, c, nc, x: x, y: y, include: isCore) { sets.union(c, nc) }
            }
        }

        // 3. Labels: core points take their cell's component; border points the component of a
        // core point within eps; the rest is noise.
        var component = [Int32](repeating: -1, count: n)
        for c in 0..<grid.cellCount {
            let members = grid.members(of: c)
            if cellHasCore[c] {
                let root = Int32(sets.find(c))
                for p in members where isCore[Int(p)] { component[Int(p)] = root }
            }
        }
        for c in 0..<grid.cellCount {
            let neighbours = grid.neighbourCells(of: c)
            for p in grid.members(of: c) where !isCore[Int(p)] {
                let px = x[Int(p)], py = y[Int(p)]
                search: for nc in neighbours where cellHasCore[Int(nc)] {
                    for q in grid.members(of: Int(nc)) where isCore[Int(q)] {
                        let dx = x[Int(q)] - px, dy = y[Int(q)] - py
                        if dx * dx + dy * dy <= eps2 { component[Int(p)] = component[Int(q)]; break search }
                    }
                }
            }
        }

        // Number clusters from the largest down, so "cluster 0" is the biggest hotspot.
        var sizes: [Int32: Int] = [:]
        for c in component where c >= 0 { sizes[c, default: 0] += 1 }
        let order = sizes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var renumber: [Int32: Int32] = [:]
        for (i, entry) in order.enumerated() { renumber[entry.key] = Int32(i) }
        let labels = component.map { $0 >= 0 ? renumber[$0]! : -1 }
        return Result(labels: labels, clusterCount: order.count, isCore: isCore)
    }
}

/// Points bucketed into square cells: each cell's members are contiguous in one array
/// (a counting sort by cell), and cells are found by coordinates through an open-addressing
/// hash table, so a million points need no per-cell allocation.
struct CellGrid {
    let side: Double
    let minX: Double, minY: Double
    /// Point indices grouped by cell; cell c owns `order[start[c]..<start[c + 1]]`.
    private(set) var order: [Int32]
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
        for i in 0..<n {
            let c = Int(cellOfPoint[i])
            order[Int(fill[c])] = Int32(i)
            fill[c] += 1
        }
        self.order = order
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

    func members(of cell: Int) -> ArraySlice<Int32> { order[Int(start[cell])..<Int(start[cell + 1])] }

    func neighbourCells(of cell: Int) -> ArraySlice<Int32> {
        neighbours[Int(neighbourStart[cell])..<Int(neighbourStart[cell + 1])]
    }

    /// Whether some pair of included points, one in each cell, lies within sqrt(eps2).
    func anyPairWithin(_ eps2: Double, _ a: Int, _ b: Int, x: [Double], y: [Double], include: [Bool]) -> Bool {
        for p in members(of: a) where include[Int(p)] {
            let px = x[Int(p)], py = y[Int(p)]
            for q in members(of: b) where include[Int(q)] {
                let dx = x[Int(q)] - px, dy = y[Int(q)] - py
                if dx * dx + dy * dy <= eps2 { return true }
            }
        }
        return false
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
