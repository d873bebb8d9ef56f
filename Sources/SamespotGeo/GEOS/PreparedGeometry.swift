import CGEOS

/// A GEOS prepared geometry: the polygon's edges indexed once, so many point tests are fast.
///
/// GEOS builds a prepared geometry's indexes lazily, on the first test. `warm()` runs that
/// first test so that, afterwards, concurrent read-only tests never race on the lazy build.
public final class PreparedGeometry {
    public let geometry: Geometry
    let pointer: OpaquePointer

    public init(_ geometry: Geometry) throws(GeometryError) {
        guard let prepared = GEOSPrepare_r(geometry.context.handle, geometry.pointer) else {
            throw geometry.context.takeError("cannot prepare the geometry")
        }
        self.geometry = geometry
        self.pointer = prepared
    }

    deinit {
        GEOSPreparedGeom_destroy_r(geometry.context.handle, pointer)
    }

    /// Builds the lazy indexes behind point-in-polygon and rectangle tests.
    public func warm() throws(GeometryError) {
        let inside = try geometry.pointOnSurface()
        _ = intersects(inside)
        _ = containsProperly(inside)
        if let b = geometry.bounds {
            let box = try Geometry.rectangle(minX: b.minX, minY: b.minY, maxX: b.maxX, maxY: b.maxY, context: geometry.context)
            _ = intersects(box)
        }
    }

    // Each test passes the *caller's* context: GEOS keeps no per-call state in the prepared
    // geometry once warmed, and the context only carries error reporting.
    public func contains(_ other: Geometry) -> Bool {
        GEOSPreparedContains_r(other.context.handle, pointer, other.pointer) == 1
    }

    public func containsProperly(_ other: Geometry) -> Bool {
        GEOSPreparedContainsProperly_r(other.context.handle, pointer, other.pointer) == 1
    }

    public func intersects(_ other: Geometry) -> Bool {
        GEOSPreparedIntersects_r(other.context.handle, pointer, other.pointer) == 1
    }

    public func covers(_ other: Geometry) -> Bool {
        GEOSPreparedCovers_r(other.context.handle, pointer, other.pointer) == 1
    }
}
