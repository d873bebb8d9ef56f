import Foundation
import PostgresNIO
import SamespotCore

/// An open case near a spot, as "already reported" shows it to intake staff and residents.
public struct OpenCaseNearby: Sendable, Equatable {
    public var requestID: Int64
    public var serviceRequestID: String
    public var serviceCode: String
    public var status: CaseStatus
    public var requestedAt: Date
    /// The source gave a date without a time of day.
    public var dateOnly: Bool
    public var x: Double
    public var y: Double
    public var longitude: Double
    public var latitude: Double
    public var address: String
    public var addressKey: String
    public var blockKey: String
    public var childCount: Int
}

/// Open cases by place, read from PostgreSQL (the one truth, shared by every instance) through
/// the partial index on open parents by grid cell.
public struct NearbyStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// Open cases that are not themselves merged into another, within `radius` metres of (x, y)
    /// on the city's grid, of one type or of any.
    public func openParents(nearX x: Double, y: Double, radius: Double, serviceCode: String?) async throws -> [OpenCaseNearby] {
        let cells = IntakeStore.cells(around: x, y, radius: radius)
        let rows = try await database.client.query("""
            SELECT request_id, service_request_id, service_code, status, requested_at, requested_at_precision = 'day',
                   x_m, y_m, longitude, latitude, address, address_key, block_key, child_count
            FROM service_requests r
            WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress')
              AND grid_cell = ANY(\(cells)::bigint[])
              AND (\(serviceCode)::text IS NULL OR service_code = \(serviceCode)::text)
              AND x_m IS NOT NULL AND longitude IS NOT NULL
              AND EXISTS (SELECT 1 FROM service_types t WHERE t.service_code = r.service_code AND t.about_a_spot)
            """, logger: database.logger)
        var found: [OpenCaseNearby] = []
        let r2 = radius * radius
        for try await row in rows {
            let c = row.makeRandomAccess()
            let cx = try c[6].decode(Double.self), cy = try c[7].decode(Double.self)
            guard (cx - x) * (cx - x) + (cy - y) * (cy - y) <= r2 else { continue }
            found.append(OpenCaseNearby(
                requestID: try c[0].decode(Int64.self), serviceRequestID: try c[1].decode(String.self),
                serviceCode: try c[2].decode(String.self), status: CaseStatus(rawValue: try c[3].decode(String.self)) ?? .open,
                requestedAt: try c[4].decode(Date.self), dateOnly: try c[5].decode(Bool.self), x: cx, y: cy,
                longitude: try c[8].decode(Double.self), latitude: try c[9].decode(Double.self),
                address: try c[10].decode(String.self), addressKey: try c[11].decode(String.self),
                blockKey: try c[12].decode(String.self), childCount: try c[13].decode(Int.self)))
        }
        return found
    }
}
