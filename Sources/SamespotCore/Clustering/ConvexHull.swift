/// The convex hull of a set of points (Andrew's monotone chain), for drawing a hotspot's outline.
public enum ConvexHull {
    /// Indices into `points` of the hull's corners, counter-clockwise, starting from the lowest
    /// x (then lowest y), without repeating the first. Collinear points on an edge are left out;
    /// fewer than three corners come back for points that are all on one line (or one spot).
    public static func indices(of points: [Int], x: [Double], y: [Double]) -> [Int] {
        var sorted = withoutInterior(points, x: x, y: y).sorted { x[$0] != x[$1] ? x[$0] < x[$1] : y[$0] < y[$1] }
        // Equal points once: they cannot be two corners.
        var unique: [Int] = []
        unique.reserveCapacity(sorted.count)
        for p in sorted where unique.last.map({ x[$0] != x[p] || y[$0] != y[p] }) ?? true { unique.append(p) }
        sorted = unique
        guard sorted.count > 2 else { return sorted }

        func cross(_ o: Int, _ a: Int, _ b: Int) -> Double {
            (x[a] - x[o]) * (y[b] - y[o]) - (y[a] - y[o]) * (x[b] - x[o])
        }
        var hull: [Int] = []
        hull.reserveCapacity(2 * sorted.count)
        for p in sorted {
            while hull.count >= 2, cross(hull[hull.count - 2], hull[hull.count - 1], p) <= 0 { hull.removeLast() }
            hull.append(p)
        }
        let lowerCount = hull.count + 1
        for p in sorted.reversed().dropFirst() {
            while hull.count >= lowerCount, cross(hull[hull.count - 2], hull[hull.count - 1], p) <= 0 { hull.removeLast() }
            hull.append(p)
        }
        hull.removeLast()  // the first point again
        return hull
    }

    /// Drops points strictly inside the polygon of the extreme points in eight directions
    /// (Akl–Toussaint): they cannot be corners, and in a hotspot of thousands of points
    /// nearly all are such, so the sort that follows is over a few.
    static func withoutInterior(_ points: [Int], x: [Double], y: [Double]) -> [Int] {
        guard points.count > 64 else { return points }
        // Extremes along x, x+y, y, y−x, … counter-clockwise: max of each direction in turn.
        let directions: [(Double, Double)] = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)]
        var corners: [Int] = directions.map { d in
            points.max { d.0 * x[$0] + d.1 * y[$0] < d.0 * x[$1] + d.1 * y[$1] }!
        }
        // One corner per spot, in order.
        var unique: [Int] = []
        for c in corners where unique.last.map({ x[$0] != x[c] || y[$0] != y[c] }) ?? true { unique.append(c) }
        if unique.count > 1, x[unique[0]] == x[unique[unique.count - 1]], y[unique[0]] == y[unique[unique.count - 1]] { unique.removeLast() }
        corners = unique
        guard corners.count >= 3 else { return points }
        func strictlyInside(_ p: Int) -> Bool {
            for k in corners.indices {
                let a = corners[k], b = corners[(k + 1) % corners.count]
                if (x[b] - x[a]) * (y[p] - y[a]) - (y[b] - y[a]) * (x[p] - x[a]) <= 0 { return false }
            }
            return true
        }
        return points.filter { !strictlyInside($0) }
    }
}
