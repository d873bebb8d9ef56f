/// Which ward of one boundary set holds a point: exact, and fast enough to place a city-year of
/// requests in a blink.
///
/// How: a grid of `resolution × resolution` cells over the set's extent. A cell that lies wholly
/// in one ward's interior (GEOS prepared `containsProperly`, on the cell grown by a hair so float
/// rounding at a cell edge cannot matter) answers by an array read. A cell that no ward touches
/// answers "none". Only cells a ward boundary crosses (≈2 % of a city) ask GEOS, and then only
/// the wards that touch that cell, found once with an STRtree at build time.
///
/// The answer is defined as: the first ward, in the set's order, whose polygon covers the point
/// (boundary included). So a point on a shared border gets the lower ward, deterministically,
/// and every point gets exactly what a plain GEOS test of each ward in turn would give
/// (`referenceWard` computes that, for checks and benchmarks).
///
/// Thread safety: built once, then only read. The prepared geometries are warmed during the
/// build, and each boundary test uses the caller's `GEOSContext`, so any number of tasks may
/// look up at once, each with its own context.
public final class WardIndex: @unchecked Sendable {
    /// The wards in the order that breaks ties.
    public let wards: [String]
    public let resolution: Int

    private let buildContext: GEOSContext
    private let prepared: [PreparedGeometry]
    private let minX: Double, minY: Double
    private let cellWidth: Double, cellHeight: Double
    private let inverseCellWidth: Double, inverseCellHeight: Double
    /// ≥ 0: the ward at that position; `outside`: no ward; ≤ -2: boundary cell, its
    /// cell at `borderCells[-(code + 2)]`.
    // Immutable once built: a `let` array is read without exclusivity checks on the hot path.
    private let cells: [Int32]
    /// For each boundary cell: its reference point and, per candidate ward, the state there and
    /// the ward's edges that reach into the cell.
    private let borderCells: [BorderCell]
    private static let outside: Int32 = -1

    public let boundaryCellCount: Int
    public let interiorCellCount: Int

    /// - Parameter wards: each ward's id and its geometry (lon/lat WKB). Ties break in the
    ///   order of `WardIndex.ordered(_:)`, which sorts ids numerically where they are numbers.
    /// Cells per side by default: 2048² cells of 4 bytes (16 MiB) keep border cells, where GEOS
    /// must answer, to about 3 % of a city's area (measured in `samespot bench wards`).
    public static let defaultResolution = 2048

    public init(wards input: [(ward: String, wkb: [UInt8])], resolution: Int = WardIndex.defaultResolution) throws(GeometryError) {
        precondition(resolution > 0 && resolution & (resolution - 1) == 0, "resolution must be a power of two")
        let context = GEOSContext()
        let ordered = WardIndex.ordered(input.map(\.ward))
        let byID = Dictionary(input.map { ($0.ward, $0.wkb) }, uniquingKeysWith: { first, _ in first })
        var geometries: [Geometry] = []
        for ward in ordered {
            geometries.append(try Geometry(wkb: byID[ward]!, context: context))
        }
        var prepared: [PreparedGeometry] = []
        for geometry in geometries {
            let p = try PreparedGeometry(geometry)
            try p.warm()
            prepared.append(p)
        }
        self.wards = ordered
        self.resolution = resolution
        self.buildContext = context
        self.prepared = prepared

        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for g in geometries {
            guard let b = g.bounds else { continue }
            minX = min(minX, b.minX); minY = min(minY, b.minY); maxX = max(maxX, b.maxX); maxY = max(maxY, b.maxY)
        }
        if !minX.isFinite { minX = 0; minY = 0; maxX = 1; maxY = 1 }
        // A margin of one cell keeps every ward strictly inside the grid.
        let width = (maxX - minX) / Double(resolution - 2)
        let height = (maxY - minY) / Double(resolution - 2)
        self.minX = minX - width
        self.minY = minY - height
        self.cellWidth = width
        self.cellHeight = height
        self.inverseCellWidth = 1 / width
        self.inverseCellHeight = 1 / height

        var builder = GridBuilder(
            resolution: resolution, minX: minX - width, minY: minY - height, cellWidth: width, cellHeight: height,
            prepared: prepared, context: context, tree: try STRtree(geometries, context: context))
        try builder.classify(x: 0, y: 0, size: resolution, candidates: Array(0..<Int32(prepared.count)))
        self.cells = builder.cells
        self.borderCells = builder.borderCells
        self.boundaryCellCount = builder.boundaryCellCount
        self.interiorCellCount = builder.interiorCellCount
    }

    /// Sorts ward ids numerically when they are numbers ("2" before "10"), else by text.
    public static func ordered(_ ids: [String]) -> [String] {
        Array(Set(ids)).sorted { a, b in
            switch (Int(a), Int(b)) {
            case let (x?, y?): return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a < b
            }
        }
    }

    /// The position in `wards` of the ward that holds the point, or nil when no ward does.
    public func wardPosition(longitude: Double, latitude: Double, context: GEOSContext) -> Int? {
        let code = cellCode(longitude: longitude, latitude: latitude)
        if code >= 0 { return Int(code) }
        if code == WardIndex.outside { return nil }
        let border = Int(-(code + 2))
        if let answer = borderCells[border].locate(longitude, latitude) { return answer.map(Int.init) }
        return exactPosition(longitude: longitude, latitude: latitude, among: borderCells[border].candidates, context: context)
    }

    public func ward(longitude: Double, latitude: Double, context: GEOSContext) -> String? {
        wardPosition(longitude: longitude, latitude: latitude, context: context).map { wards[$0] }
    }

    func cellCode(longitude: Double, latitude: Double) -> Int32 {
        let fx = (longitude - minX) * inverseCellWidth
        let fy = (latitude - minY) * inverseCellHeight
        // NaN fails both comparisons and lands outside, as it should.
        guard fx >= 0, fy >= 0, fx < Double(resolution), fy < Double(resolution) else { return WardIndex.outside }
        return cells[Int(fy) * resolution + Int(fx)]
    }

    func exactPosition(longitude: Double, latitude: Double, among candidates: [Int32], context: GEOSContext) -> Int? {
        guard let point = try? Geometry.point(x: longitude, y: latitude, context: context) else { return nil }
        for candidate in candidates where prepared[Int(candidate)].intersects(point) {
            return Int(candidate)
        }
        return nil
    }

    /// The same answer without the grid: each ward in order, tested by GEOS. For checks and
    /// benchmarks that prove the grid exact.
    public func referenceWardPosition(longitude: Double, latitude: Double, context: GEOSContext) -> Int? {
        exactPosition(longitude: longitude, latitude: latitude, among: Array(0..<Int32(prepared.count)), context: context)
    }

    /// Bytes the grid and its boundary lists hold (the GEOS geometries come on top).
    public var gridBytes: Int {
        cells.count * MemoryLayout<Int32>.stride + borderCells.reduce(0) { $0 + $1.candidates.count * 4 + $1.edges.count * 8 + 64 }
    }
}

/// Fills a `WardIndex` grid once, at build time.
private struct GridBuilder {
    let resolution: Int
    let minX: Double, minY: Double, cellWidth: Double, cellHeight: Double
    let prepared: [PreparedGeometry]
    let context: GEOSContext
    let tree: STRtree
    var cells: [Int32]
    var borderCells: [BorderCell] = []
    /// Each ward's rings as flat edge lists (ax, ay, bx, by, …), for clipping to border cells.
    let edges: [[Double]]
    var boundaryCellCount = 0
    var interiorCellCount = 0

    init(resolution: Int, minX: Double, minY: Double, cellWidth: Double, cellHeight: Double,
         prepared: [PreparedGeometry], context: GEOSContext, tree: STRtree) {
        self.resolution = resolution
        self.minX = minX; self.minY = minY; self.cellWidth = cellWidth; self.cellHeight = cellHeight
        self.prepared = prepared
        self.context = context
        self.tree = tree
        self.cells = Array(repeating: -1, count: resolution * resolution)
        self.edges = prepared.map { p in
            var flat: [Double] = []
            for ring in p.geometry.rings where ring.count > 1 {
                for i in 1..<ring.count { flat += [ring[i - 1].x, ring[i - 1].y, ring[i].x, ring[i].y] }
            }
            return flat
        }
    }

        /// Quadtree fill: a block that one ward holds wholly is filled at once, a block no ward
        /// touches is left outside, and only mixed blocks are split, down to single cells.
        mutating func classify(x: Int, y: Int, size: Int, candidates: [Int32]) throws(GeometryError) {
            // Grow the block by a hair (≈ 1e-7 of a cell) so float rounding on a cell edge never
            // places a point in a cell whose classification did not cover it.
            let hairX = cellWidth * 1e-7, hairY = cellHeight * 1e-7
            let box = try Geometry.rectangle(
                minX: minX + Double(x) * cellWidth - hairX, minY: minY + Double(y) * cellHeight - hairY,
                maxX: minX + Double(x + size) * cellWidth + hairX, maxY: minY + Double(y + size) * cellHeight + hairY,
                context: context
            )
            let nearby = Set(tree.query(box).map(Int32.init))
            let touching = candidates.filter { nearby.contains($0) && prepared[Int($0)].intersects(box) }
            guard let first = touching.first else { return }  // no ward here: cells stay `outside`
            if prepared[Int(first)].containsProperly(box) {
                // The first ward in order holds the whole block; no earlier ward touches it.
                for row in y..<(y + size) {
                    let start = row * resolution + x
                    cells.replaceSubrange(start..<(start + size), with: repeatElement(first, count: size))
                }
                interiorCellCount += size * size
                return
            }
            if size == 1 {
                cells[y * resolution + x] = -2 - Int32(borderCells.count)
                borderCells.append(try borderCell(minX: minX + Double(x) * cellWidth - hairX, minY: minY + Double(y) * cellHeight - hairY,
                                                  maxX: minX + Double(x + 1) * cellWidth + hairX, maxY: minY + Double(y + 1) * cellHeight + hairY,
                                                  candidates: touching))
                boundaryCellCount += 1
                return
            }
            let half = size / 2
            for (dx, dy) in [(0, 0), (half, 0), (0, half), (half, half)] {
                try classify(x: x + dx, y: y + dy, size: half, candidates: touching)
            }
        }

    /// The edges of each candidate inside the cell, and a reference point whose ward GEOS
    /// decides: a point clear of every edge, so its answer is not a boundary case.
    func borderCell(minX: Double, minY: Double, maxX: Double, maxY: Double, candidates: [Int32]) throws(GeometryError) -> BorderCell {
        var clipped: [[Double]] = []
        for candidate in candidates {
            let all = edges[Int(candidate)]
            var inside: [Double] = []
            var i = 0
            while i < all.count {
                let ax = all[i], ay = all[i + 1], bx = all[i + 2], by = all[i + 3]
                if max(ax, bx) >= minX, min(ax, bx) <= maxX, max(ay, by) >= minY, min(ay, by) <= maxY {
                    inside += [ax, ay, bx, by]
                }
                i += 4
            }
            clipped.append(inside)
        }
        let clearance = 1e-6 * max(maxX - minX, maxY - minY)
        let tries: [(Double, Double)] = [(0.5, 0.5), (0.25, 0.25), (0.75, 0.75), (0.25, 0.75), (0.75, 0.25), (0.4, 0.6), (0.6, 0.4)]
        for (fx, fy) in tries {
            let rx = minX + fx * (maxX - minX), ry = minY + fy * (maxY - minY)
            let clear = clipped.allSatisfy { BorderCell.distanceToEdges(rx, ry, $0) > clearance }
            guard clear else { continue }
            let point = try Geometry.point(x: rx, y: ry, context: context)
            let states = candidates.map { prepared[Int($0)].intersects(point) }
            return BorderCell(referenceX: rx, referenceY: ry, candidates: candidates, referenceInside: states, edges: clipped)
        }
        // No clear reference point: this cell always asks GEOS.
        return BorderCell(referenceX: .nan, referenceY: .nan, candidates: candidates, referenceInside: [], edges: [])
    }
}

/// A border cell's data for the crossing test (see `WardIndex`). The candidates' edges sit in one
/// flat array (ax, ay, bx, by, …), candidate k's from `starts[k]` to `starts[k + 1]`: no nested
/// arrays to retain and release on the hot path.
struct BorderCell: Sendable {
    let referenceX: Double, referenceY: Double
    let candidates: [Int32]
    let referenceInside: [Bool]
    let edges: [Double]
    let starts: [Int]

    init(referenceX: Double, referenceY: Double, candidates: [Int32], referenceInside: [Bool], edges perCandidate: [[Double]]) {
        self.referenceX = referenceX
        self.referenceY = referenceY
        self.candidates = candidates
        self.referenceInside = referenceInside
        var flat: [Double] = [], starts: [Int] = [0]
        for e in perCandidate { flat += e; starts.append(flat.count) }
        self.edges = flat
        self.starts = starts
    }

    /// `.some(ward)` or `.some(nil)` (no ward) when the crossing count decides; nil when the
    /// point is within rounding distance of an edge, and GEOS must decide.
    func locate(_ qx: Double, _ qy: Double) -> Int32?? {
        guard !referenceInside.isEmpty else { return nil }
        return edges.withUnsafeBufferPointer { e -> Int32?? in
            for k in 0..<candidates.count {
                var inside = referenceInside[k]
                var i = starts[k]
                let end = starts[k + 1]
                while i < end {
                    switch Self.crossing(qx, qy, referenceX, referenceY, e[i], e[i + 1], e[i + 2], e[i + 3]) {
                    case .yes: inside.toggle()
                    case .no: break
                    case .unsure: return nil
                    }
                    i += 4
                }
                if inside { return .some(candidates[k]) }
            }
            return .some(nil)
        }
    }

    enum Crossing { case yes, no, unsure }

    /// Does segment QR cross edge AB? Orientation signs decide; a sign within 1e-15 (degrees²,
    /// far above the float error of these coordinates, far below any real configuration) is
    /// "unsure": the point may be on the edge, or the segment through a vertex.
    @inline(__always)
    static func crossing(_ qx: Double, _ qy: Double, _ rx: Double, _ ry: Double,
                         _ ax: Double, _ ay: Double, _ bx: Double, _ by: Double) -> Crossing {
        // Quick reject by bounding boxes: most edges of a cell are nowhere near the segment.
        if max(qx, rx) < min(ax, bx) || min(qx, rx) > max(ax, bx) || max(qy, ry) < min(ay, by) || min(qy, ry) > max(ay, by) {
            return .no
        }
        let d1 = (bx - ax) * (qy - ay) - (by - ay) * (qx - ax)
        let d2 = (bx - ax) * (ry - ay) - (by - ay) * (rx - ax)
        let d3 = (rx - qx) * (ay - qy) - (ry - qy) * (ax - qx)
        let d4 = (rx - qx) * (by - qy) - (ry - qy) * (bx - qx)
        let tiny = 1e-15
        if abs(d1) < tiny || abs(d2) < tiny || abs(d3) < tiny || abs(d4) < tiny { return .unsure }
        return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0)) ? .yes : .no
    }

    static func distanceToEdges(_ px: Double, _ py: Double, _ e: [Double]) -> Double {
        var best = Double.infinity
        var i = 0
        while i < e.count {
            let ax = e[i], ay = e[i + 1], bx = e[i + 2], by = e[i + 3]
            let dx = bx - ax, dy = by - ay
            let length = dx * dx + dy * dy
            let t = length > 0 ? max(0, min(1, ((px - ax) * dx + (py - ay) * dy) / length)) : 0
            let cx = ax + t * dx - px, cy = ay + t * dy - py
            best = min(best, (cx * cx + cy * cy).squareRoot())
            i += 4
        }
        return best
    }
}
