import CGEOS

/// GEOS's sort-tile-recursive tree over geometries' envelopes: which of many polygons may touch
/// a box, without testing each. Items are the positions of the geometries in the given array.
public final class STRtree {
    private let context: GEOSContext
    private let tree: OpaquePointer
    private let items: [Geometry]

    public init(_ geometries: [Geometry], context: GEOSContext, nodeCapacity: Int = 10) throws(GeometryError) {
        guard let tree = GEOSSTRtree_create_r(context.handle, nodeCapacity) else { throw context.takeError("cannot create an STRtree") }
        self.context = context
        self.tree = tree
        self.items = geometries
        for (position, geometry) in geometries.enumerated() {
            // The item pointer carries the position itself (offset by one so it is never NULL).
            GEOSSTRtree_insert_r(context.handle, tree, geometry.pointer, UnsafeMutableRawPointer(bitPattern: position + 1))
        }
    }

    deinit {
        GEOSSTRtree_destroy_r(context.handle, tree)
    }

    /// Positions of the geometries whose envelope intersects `query`'s envelope, ascending.
    public func query(_ query: Geometry) -> [Int] {
        final class Hits { var positions: [Int] = [] }
        let hits = Hits()
        withExtendedLifetime(hits) {
            GEOSSTRtree_query_r(context.handle, tree, query.pointer, { item, userData in
                guard let userData else { return }
                let hits = Unmanaged<Hits>.fromOpaque(userData).takeUnretainedValue()
                hits.positions.append(Int(bitPattern: item) - 1)
            }, Unmanaged.passUnretained(hits).toOpaque())
        }
        return hits.positions.sorted()
    }
}
