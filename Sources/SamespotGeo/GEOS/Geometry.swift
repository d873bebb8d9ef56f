import CGEOS

/// A GEOS geometry owned by Swift: destroyed with the context that made it, never leaked.
///
/// Readers and writers for WKT, WKB and GeoJSON are created and destroyed per call: they are
/// cheap next to parsing, and keeping them would tie the geometry to more state.
public final class Geometry {
    let context: GEOSContext
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer, context: GEOSContext) {
        self.pointer = pointer
        self.context = context
    }

    deinit {
        GEOSGeom_destroy_r(context.handle, pointer)
    }

    // MARK: Reading

    public convenience init(wkt: String, context: GEOSContext) throws(GeometryError) {
        let h = context.handle
        guard let reader = GEOSWKTReader_create_r(h) else { throw context.takeError("cannot create a WKT reader") }
        defer { GEOSWKTReader_destroy_r(h, reader) }
        guard let g = GEOSWKTReader_read_r(h, reader, wkt) else { throw context.takeError("not valid WKT") }
        self.init(owning: g, context: context)
    }

    public convenience init(wkb: [UInt8], context: GEOSContext) throws(GeometryError) {
        let h = context.handle
        guard let reader = GEOSWKBReader_create_r(h) else { throw context.takeError("cannot create a WKB reader") }
        defer { GEOSWKBReader_destroy_r(h, reader) }
        let g = wkb.withUnsafeBufferPointer { GEOSWKBReader_read_r(h, reader, $0.baseAddress, $0.count) }
        guard let g else { throw context.takeError("not valid WKB") }
        self.init(owning: g, context: context)
    }

    /// A GeoJSON geometry object (`{"type": "Polygon", "coordinates": …}`), or a Feature.
    public convenience init(geoJSON: String, context: GEOSContext) throws(GeometryError) {
        let h = context.handle
        guard let reader = GEOSGeoJSONReader_create_r(h) else { throw context.takeError("cannot create a GeoJSON reader") }
        defer { GEOSGeoJSONReader_destroy_r(h, reader) }
        guard let g = GEOSGeoJSONReader_readGeometry_r(h, reader, geoJSON) else {
            throw context.takeError("not a GeoJSON geometry")
        }
        self.init(owning: g, context: context)
    }

    public static func point(x: Double, y: Double, context: GEOSContext) throws(GeometryError) -> Geometry {
        guard let g = GEOSGeom_createPointFromXY_r(context.handle, x, y) else { throw context.takeError("cannot create a point") }
        return Geometry(owning: g, context: context)
    }

    /// The axis-aligned rectangle from (minX, minY) to (maxX, maxY).
    public static func rectangle(minX: Double, minY: Double, maxX: Double, maxY: Double,
                                 context: GEOSContext) throws(GeometryError) -> Geometry {
        guard let g = GEOSGeom_createRectangle_r(context.handle, minX, minY, maxX, maxY) else {
            throw context.takeError("cannot create a rectangle")
        }
        return Geometry(owning: g, context: context)
    }

    // MARK: Writing

    public var wkt: String {
        let h = context.handle
        guard let writer = GEOSWKTWriter_create_r(h) else { return "" }
        defer { GEOSWKTWriter_destroy_r(h, writer) }
        GEOSWKTWriter_setTrim_r(h, writer, 1)
        guard let text = GEOSWKTWriter_write_r(h, writer, pointer) else { return "" }
        defer { GEOSFree_r(h, text) }
        return String(cString: text)
    }

    public var wkb: [UInt8] {
        let h = context.handle
        guard let writer = GEOSWKBWriter_create_r(h) else { return [] }
        defer { GEOSWKBWriter_destroy_r(h, writer) }
        var size = 0
        guard let bytes = GEOSWKBWriter_write_r(h, writer, pointer, &size) else { return [] }
        defer { GEOSFree_r(h, bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: size))
    }

    public var geoJSON: String {
        let h = context.handle
        guard let writer = GEOSGeoJSONWriter_create_r(h) else { return "" }
        defer { GEOSGeoJSONWriter_destroy_r(h, writer) }
        guard let text = GEOSGeoJSONWriter_writeGeometry_r(h, writer, pointer, -1) else { return "" }
        defer { GEOSFree_r(h, text) }
        return String(cString: text)
    }

    // MARK: Properties and operations

    public var typeName: String {
        guard let name = GEOSGeomType_r(context.handle, pointer) else { return "" }
        defer { GEOSFree_r(context.handle, name) }
        return String(cString: name)
    }

    public var isEmpty: Bool { GEOSisEmpty_r(context.handle, pointer) == 1 }
    public var isValid: Bool { GEOSisValid_r(context.handle, pointer) == 1 }

    /// Why the geometry is invalid, in GEOS's words ("Self-intersection[-87.6 41.8]"), or "Valid Geometry".
    public var validityReason: String {
        guard let text = GEOSisValidReason_r(context.handle, pointer) else { return "" }
        defer { GEOSFree_r(context.handle, text) }
        return String(cString: text)
    }

    public var area: Double {
        var value = 0.0
        _ = GEOSArea_r(context.handle, pointer, &value)
        return value
    }

    /// (minX, minY, maxX, maxY); nil for an empty geometry.
    public var bounds: (minX: Double, minY: Double, maxX: Double, maxY: Double)? {
        if isEmpty { return nil }
        var minX = 0.0, minY = 0.0, maxX = 0.0, maxY = 0.0
        guard GEOSGeom_getExtent_r(context.handle, pointer, &minX, &minY, &maxX, &maxY) == 1 else { return nil }
        return (minX, minY, maxX, maxY)
    }

    public func makeValid() throws(GeometryError) -> Geometry {
        guard let g = GEOSMakeValid_r(context.handle, pointer) else { throw context.takeError("cannot make the geometry valid") }
        return Geometry(owning: g, context: context)
    }

    /// A point guaranteed to lie inside the geometry (not the centroid, which may not).
    /// Fewer vertices, no vertex moved more than `tolerance` (in the geometry's units), with
    /// rings kept valid and apart (GEOS TopologyPreserveSimplify): a ward map for a screen.
    public func simplified(tolerance: Double) throws(GeometryError) -> Geometry {
        guard let g = GEOSTopologyPreserveSimplify_r(context.handle, pointer, tolerance) else {
            throw context.takeError("cannot simplify")
        }
        return Geometry(owning: g, context: context)
    }

    public func pointOnSurface() throws(GeometryError) -> Geometry {
        guard let g = GEOSPointOnSurface_r(context.handle, pointer) else { throw context.takeError("no point on the surface") }
        return Geometry(owning: g, context: context)
    }

    public var coordinate: (x: Double, y: Double)? {
        var x = 0.0, y = 0.0
        guard GEOSGeomGetX_r(context.handle, pointer, &x) == 1, GEOSGeomGetY_r(context.handle, pointer, &y) == 1 else { return nil }
        return (x, y)
    }

    /// The union of several geometries, e.g. the parts of one ward spread over several features.
    public static func union(_ parts: [Geometry], context: GEOSContext) throws(GeometryError) -> Geometry {
        let h = context.handle
        guard !parts.isEmpty else { throw GeometryError("nothing to unite") }
        // The collection takes ownership of clones, so every input stays owned by its Swift object.
        var clones: [OpaquePointer?] = []
        for part in parts {
            guard let clone = GEOSGeom_clone_r(h, part.pointer) else {
                for c in clones { GEOSGeom_destroy_r(h, c) }
                throw context.takeError("cannot copy a geometry")
            }
            clones.append(clone)
        }
        let collection = clones.withUnsafeMutableBufferPointer {
            GEOSGeom_createCollection_r(h, Int32(GEOS_GEOMETRYCOLLECTION.rawValue), $0.baseAddress, UInt32($0.count))
        }
        guard let collection else {
            for c in clones { GEOSGeom_destroy_r(h, c) }
            throw context.takeError("cannot collect geometries")
        }
        defer { GEOSGeom_destroy_r(h, collection) }
        guard let united = GEOSUnaryUnion_r(h, collection) else { throw context.takeError("cannot unite geometries") }
        return Geometry(owning: united, context: context)
    }

    /// Every ring (exterior and holes) of a polygon or multipolygon, as closed coordinate lists.
    public var rings: [[(x: Double, y: Double)]] {
        let h = context.handle
        var result: [[(x: Double, y: Double)]] = []
        func coordinates(_ ring: OpaquePointer) -> [(x: Double, y: Double)] {
            guard let sequence = GEOSGeom_getCoordSeq_r(h, ring) else { return [] }
            var size: UInt32 = 0
            GEOSCoordSeq_getSize_r(h, sequence, &size)
            var points: [(x: Double, y: Double)] = []
            points.reserveCapacity(Int(size))
            for i in 0..<size {
                var x = 0.0, y = 0.0
                GEOSCoordSeq_getXY_r(h, sequence, i, &x, &y)
                points.append((x, y))
            }
            return points
        }
        func polygonRings(_ polygon: OpaquePointer) {
            if let exterior = GEOSGetExteriorRing_r(h, polygon) { result.append(coordinates(exterior)) }
            for i in 0..<max(0, GEOSGetNumInteriorRings_r(h, polygon)) {
                if let hole = GEOSGetInteriorRingN_r(h, polygon, i) { result.append(coordinates(hole)) }
            }
        }
        let count = GEOSGetNumGeometries_r(h, pointer)
        for i in 0..<max(0, count) {
            guard let part = GEOSGetGeometryN_r(h, pointer, i) else { continue }
            if GEOSGeomTypeId_r(h, part) == Int32(GEOS_POLYGON.rawValue) { polygonRings(part) }
        }
        return result
    }

    public func contains(_ other: Geometry) -> Bool { GEOSContains_r(context.handle, pointer, other.pointer) == 1 }
    public func intersects(_ other: Geometry) -> Bool { GEOSIntersects_r(context.handle, pointer, other.pointer) == 1 }

    public func distance(to other: Geometry) -> Double {
        var value = 0.0
        _ = GEOSDistance_r(context.handle, pointer, other.pointer, &value)
        return value
    }
}
