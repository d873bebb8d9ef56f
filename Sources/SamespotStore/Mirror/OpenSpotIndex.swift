import Foundation
import SamespotCore

/// The open cases that are not merged into another and are placed on the city's grid, by
/// square cells: what "already reported" (`/v1/matches`) reads, from memory, as
/// `NearestOpenParents` reads it from PostgreSQL. A city holds far fewer open cases than
/// cases (tens of thousands against millions), so this keeps each one whole.
public struct OpenSpotIndex: Sendable {
    /// Metres: a matches radius of hundreds of metres looks at tens of cells.
    public static let cellSize = 250.0

    private var cells: [CellKey: [OpenCaseNearby]] = [:]
    private var cellOf: [Int64: CellKey] = [:]

    public init() {}

    /// Open cases held.
    public var count: Int { cellOf.count }

    struct CellKey: Hashable, Sendable {
        var column: Int32
        var row: Int32
        init(x: Double, y: Double) {
            column = Int32(clamping: Int((x / OpenSpotIndex.cellSize).rounded(.down)))
            row = Int32(clamping: Int((y / OpenSpotIndex.cellSize).rounded(.down)))
        }
        init(column: Int32, row: Int32) { (self.column, self.row) = (column, row) }
    }

    /// Holds `spot` (in place of what was held for its id).
    mutating func insert(_ spot: OpenCaseNearby) {
        remove(spot.requestID)
        let key = CellKey(x: spot.x, y: spot.y)
        cells[key, default: []].append(spot)
        cellOf[spot.requestID] = key
    }

    /// Forgets case `id` (closed, merged, moved, deleted: the feed says it changed, and holds
    /// it again if it is still an open spot).
    mutating func remove(_ id: Int64) {
        guard let key = cellOf.removeValue(forKey: id) else { return }
        cells[key]?.removeAll { $0.requestID == id }
        if cells[key]?.isEmpty == true { cells[key] = nil }
    }

    /// The `limit` nearest open cases within `radius` metres of (x, y), nearest first (ties by
    /// id), of one type or any, of the types `include` lets through (those about a spot).
    public func nearest(x: Double, y: Double, radius: Double, serviceCode: String?, limit: Int,
                        include: (String) -> Bool) -> [OpenCaseNearby] {
        guard limit > 0, radius >= 0, x.isFinite, y.isFinite else { return [] }
        let low = CellKey(x: x - radius, y: y - radius), high = CellKey(x: x + radius, y: y + radius)
        var found: [(distance: Double, spot: OpenCaseNearby)] = []
        // A wide radius covers more cells than there are occupied ones: then walk those.
        let covered = (Int(high.column) - Int(low.column) + 1) * (Int(high.row) - Int(low.row) + 1)
        func consider(_ spots: [OpenCaseNearby]) {
            for spot in spots {
                if let serviceCode, spot.serviceCode != serviceCode { continue }
                let distance = ((spot.x - x) * (spot.x - x) + (spot.y - y) * (spot.y - y)).squareRoot()
                guard distance <= radius, include(spot.serviceCode) else { continue }
                found.append((distance, spot))
            }
        }
        if covered > cells.count {
            for (key, spots) in cells where (low.column...high.column).contains(key.column) && (low.row...high.row).contains(key.row) {
                consider(spots)
            }
        } else {
            for column in low.column...high.column {
                for row in low.row...high.row {
                    if let spots = cells[CellKey(column: column, row: row)] { consider(spots) }
                }
            }
        }
        found.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.spot.requestID < $1.spot.requestID }
        return found.prefix(limit).map(\.spot)
    }
}
