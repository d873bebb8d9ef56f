/// The convex hull of a set of points (Andrew's monotone chain), for drawing a hotspot's outline.
public enum ConvexHull {
    /// Indices into `points` of the hull's corners, counter-clockwise, starting from the lowest
    /// x (then lowest y), without repeating the first. Collinear points on an edge are left out;
    /// fewer than three corners come back for points that are all on one line (or one spot).
    public static func indices(of points: [Int], x: [Double], y: [Double]) -> [Int] {
        var sorted = points.sorted { x[$0] != x[$1] ? x[$0] < x[$1] : y[$0] < y[$1] }
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
}
