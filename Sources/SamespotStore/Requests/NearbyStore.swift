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

/// Open cases by place, read from PostgreSQL (the one truth, shared by every instance), nearest
/// first by a k-nearest-neighbour scan of the GiST index on open parents' points: the cost is
/// that of the few cases read, however many open cases a busy neighbourhood has.
public struct NearbyStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// The `count` nearest open cases that are not themselves merged into another, of a type
    /// about a place, within `radius` metres of (x, y) on the city's grid, of one type or any.
    public func openParents(nearX x: Double, y: Double, radius: Double, serviceCode: String?, count: Int) async throws -> [OpenCaseNearby] {
        try await database.rows(of: NearestOpenParents(x: x, y: y, radius: radius, serviceCode: serviceCode, limit: count))
    }
}

/// Prepared once per connection: matches are asked while intake staff type.
struct NearestOpenParents: PreparedQuery {
    typealias Row = OpenCaseNearby
    var x: Double
    var y: Double
    var radius: Double
    var serviceCode: String?
    var limit: Int

    static var example: NearestOpenParents { NearestOpenParents(x: 0, y: 0, radius: 0, serviceCode: nil, limit: 0) }
    /// Nearest first with a LIMIT, then the radius: so PostgreSQL walks the index in distance
    /// order and stops (a containment test would fetch every case in the circle, then sort).
    var query: PostgresQuery {
        """
        SELECT * FROM (
            SELECT \(unescaped: Self.columns), point(x_m, y_m) <-> point(\(x), \(y)) AS distance
            FROM service_requests r
            WHERE \(unescaped: Self.openParent)
              AND (\(serviceCode)::text IS NULL OR service_code = \(serviceCode)::text)
              AND EXISTS (SELECT 1 FROM service_types t WHERE t.service_code = r.service_code AND t.about_a_spot)
            ORDER BY point(x_m, y_m) <-> point(\(x), \(y))
            LIMIT \(limit)
        ) nearest WHERE distance <= \(radius)
        """
    }

    /// An open case not merged into another, placed on the city's grid: the predicate of the
    /// partial GiST index `service_requests_open_parents_point` (migration 4), and what the
    /// cases in memory hold as open spots (`OpenSpotIndex`).
    static let openParent = """
        parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened') AND x_m IS NOT NULL
        AND longitude IS NOT NULL
        """

    /// What `decodeRow` reads, in its order.
    static let columns = """
        request_id, service_request_id, service_code, status, requested_at, requested_at_precision = 'day',
        x_m, y_m, longitude, latitude, address, address_key, block_key, child_count
        """

    func decodeRow(_ row: PostgresRow) throws -> OpenCaseNearby { try Self.decode(row) }

    static func decode(_ row: PostgresRow) throws -> OpenCaseNearby {
        let c = row.makeRandomAccess()
        return OpenCaseNearby(
            requestID: try c[0].decode(Int64.self), serviceRequestID: try c[1].decode(String.self),
            serviceCode: try c[2].decode(String.self), status: CaseStatus(rawValue: try c[3].decode(String.self)) ?? .open,
            requestedAt: try c[4].decode(Date.self), dateOnly: try c[5].decode(Bool.self), x: try c[6].decode(Double.self),
            y: try c[7].decode(Double.self), longitude: try c[8].decode(Double.self), latitude: try c[9].decode(Double.self),
            address: try c[10].decode(String.self), addressKey: try c[11].decode(String.self),
            blockKey: try c[12].decode(String.self), childCount: try c[13].decode(Int.self))
    }
}
