import CPROJ
import Synchronization

/// A transform from WGS84 longitude/latitude to one projected CRS (the city's metric grid).
///
/// PROJ objects are not thread-safe: a `Projection` owns its own `PJ_CONTEXT` and is used by one
/// thread at a time. Share a `ProjectionPool` instead, which lends them out.
public final class Projection {
    public let targetEPSG: Int
    /// Metres in one unit of the target CRS: 1 for metric CRSs, 0.3048006 for US survey feet.
    public let metresPerUnit: Double
    private let context: OpaquePointer
    private let transform: OpaquePointer

    public init(targetEPSG: Int) throws(ProjectionError) {
        guard let context = proj_context_create() else { throw ProjectionError("cannot create a PROJ context") }
        // Logging off: errors come back to us through proj_context_errno, not on stderr.
        proj_log_level(context, PJ_LOG_NONE)
        guard let crs = proj_create(context, "EPSG:\(targetEPSG)") else {
            defer { proj_context_destroy(context) }
            throw ProjectionError("EPSG:\(targetEPSG) is not a CRS PROJ knows (is proj-data installed?)")
        }
        defer { proj_destroy(crs) }
        let type = proj_get_type(crs)
        guard type == PJ_TYPE_PROJECTED_CRS else {
            proj_context_destroy(context)
            throw ProjectionError("EPSG:\(targetEPSG) is not a projected CRS: distances need one in metres or feet")
        }
        var factor = 1.0
        if let cs = proj_crs_get_coordinate_system(context, crs) {
            defer { proj_destroy(cs) }
            var conversion = 0.0
            if proj_cs_get_axis_info(context, cs, 0, nil, nil, nil, &conversion, nil, nil, nil) == 1, conversion > 0 {
                factor = conversion
            }
        }
        guard let raw = proj_create_crs_to_crs(context, "EPSG:4326", "EPSG:\(targetEPSG)", nil) else {
            proj_context_destroy(context)
            throw ProjectionError("no transform from EPSG:4326 to EPSG:\(targetEPSG)")
        }
        // Longitude first, easting first, whatever the CRS's official axis order.
        guard let normalized = proj_normalize_for_visualization(context, raw) else {
            proj_destroy(raw)
            proj_context_destroy(context)
            throw ProjectionError("cannot normalise the axis order of EPSG:\(targetEPSG)")
        }
        proj_destroy(raw)
        self.context = context
        self.transform = normalized
        self.targetEPSG = targetEPSG
        self.metresPerUnit = factor
    }

    deinit {
        proj_destroy(transform)
        proj_context_destroy(context)
    }

    /// The point in the target CRS's own units (easting, northing).
    public func forward(longitude: Double, latitude: Double) -> (x: Double, y: Double)? {
        let out = proj_trans(transform, PJ_FWD, proj_coord(longitude, latitude, 0, 0))
        let x = out.xy.x, y = out.xy.y
        guard x.isFinite, y.isFinite, x != .infinity else { return nil }
        return (x, y)
    }

    /// The point in metres on the target grid: what distances and cells are measured in.
    public func forwardMetres(longitude: Double, latitude: Double) -> (x: Double, y: Double)? {
        forward(longitude: longitude, latitude: latitude).map { ($0.x * metresPerUnit, $0.y * metresPerUnit) }
    }

    /// Longitude and latitude of a point given in the target CRS's units.
    public func inverse(x: Double, y: Double) -> (longitude: Double, latitude: Double)? {
        let out = proj_trans(transform, PJ_INV, proj_coord(x, y, 0, 0))
        guard out.lp.lam.isFinite, out.lp.phi.isFinite else { return nil }
        return (out.lp.lam, out.lp.phi)
    }

    /// Longitude and latitude of a point given in metres on the target grid.
    public func inverseMetres(x: Double, y: Double) -> (longitude: Double, latitude: Double)? {
        inverse(x: x / metresPerUnit, y: y / metresPerUnit)
    }

    /// The PROJ library's version, e.g. "9.1.1".
    public static var version: String { String(cString: proj_info().version) }
}

public struct ProjectionError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Lends `Projection`s to concurrent callers, one caller per projection at a time, and keeps
/// them for the next: creating one reads PROJ's database and costs about a millisecond.
public final class ProjectionPool: Sendable {
    public let targetEPSG: Int
    public let metresPerUnit: Double
    private let idle: Mutex<[UncheckedProjection]>

    /// A projection parked in the pool. Only the pool moves it between callers, one at a time.
    private struct UncheckedProjection: @unchecked Sendable { let projection: Projection }

    public init(targetEPSG: Int) throws(ProjectionError) {
        let first = try Projection(targetEPSG: targetEPSG)
        self.targetEPSG = targetEPSG
        self.metresPerUnit = first.metresPerUnit
        self.idle = Mutex([UncheckedProjection(projection: first)])
    }

    public func withProjection<T>(_ body: (Projection) throws -> T) throws -> T {
        let lent = idle.withLock { $0.popLast() }
        let projection = try lent?.projection ?? Projection(targetEPSG: targetEPSG)
        defer {
            let parked = UncheckedProjection(projection: projection)
            idle.withLock { $0.append(parked) }
        }
        return try body(projection)
    }

    public func forwardMetres(longitude: Double, latitude: Double) throws -> (x: Double, y: Double)? {
        try withProjection { $0.forwardMetres(longitude: longitude, latitude: latitude) }
    }
}
