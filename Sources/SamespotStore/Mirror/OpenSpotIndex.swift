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

    /// Whether an open case of `serviceCode` received since `since` is within `radius` metres of
    /// (x, y), or at `addressKey` or on `blockKey` among the cells the radius reaches: what
    /// intake's guess that a report has no candidate parent reads (`IntakeService`).
    public func holdsCandidate(serviceCode: String, x: Double, y: Double, radius: Double, addressKey: String, blockKey: String,
                               since: Date) -> Bool {
        guard radius >= 0, x.isFinite, y.isFinite else { return false }
        let low = CellKey(x: x - radius, y: y - radius), high = CellKey(x: x + radius, y: y + radius)
        for column in low.column...high.column {
            for row in low.row...high.row {
                guard let spots = cells[CellKey(column: column, row: row)] else { continue }
                for spot in spots where spot.serviceCode == serviceCode && spot.requestedAt >= since {
                    let dx = spot.x - x, dy = spot.y - y
                    if dx * dx + dy * dy <= radius * radius
                        || (!addressKey.isEmpty && spot.addressKey == addressKey)
                        || (!blockKey.isEmpty && spot.blockKey == blockKey) {
                        return true
                    }
                }
            }
        }
        return false
    }

    /// The `limit` nearest open cases within `radius` metres of (x, y), nearest first (ties by
    /// id), of one type or any, of the types `include` lets through (those about a spot).
    ///
    /// Only the best `limit` so far are kept, as plain picks (distance, id, where the case is
    /// held), and a case is copied out once it is among the answers: intake staff's 1,000 m
    /// circle holds thousands of open cases in a big city, and copying each one (its strings
    /// retained) then sorting them all took 40 % of the server's time at matches (`perf`).
    public func nearest(x: Double, y: Double, radius: Double, serviceCode: String?, limit: Int,
                        include: (String) -> Bool) -> [OpenCaseNearby] {
        guard limit > 0, radius >= 0, x.isFinite, y.isFinite else { return [] }
        let low = CellKey(x: x - radius, y: y - radius), high = CellKey(x: x + radius, y: y + radius)
        var best = NearestPicks(limit: limit)
        func consider(_ key: CellKey, _ spots: [OpenCaseNearby]) {
            spots.withUnsafeBufferPointer { held in
                for index in held.indices {
                    let dx = held[index].x - x, dy = held[index].y - y
                    let distance = (dx * dx + dy * dy).squareRoot()
                    guard distance <= radius else { continue }
                    let pick = NearestPicks.Pick(distance: distance, id: held[index].requestID, cell: key, index: index)
                    // The type checks cost a string comparison and a lookup: only for a case that would be kept.
                    guard best.wouldKeep(pick) else { continue }
                    if let serviceCode, held[index].serviceCode != serviceCode { continue }
                    guard include(held[index].serviceCode) else { continue }
                    best.keep(pick)
                }
            }
        }
        // A wide radius covers more cells than there are occupied ones: then walk those.
        let covered = (Int(high.column) - Int(low.column) + 1) * (Int(high.row) - Int(low.row) + 1)
        if covered > cells.count {
            for (key, spots) in cells where (low.column...high.column).contains(key.column) && (low.row...high.row).contains(key.row) {
                consider(key, spots)
            }
        } else {
            for column in low.column...high.column {
                for row in low.row...high.row {
                    let key = CellKey(column: column, row: row)
                    if let spots = cells[key] { consider(key, spots) }
                }
            }
        }
        return best.picks.map { cells[$0.cell]![$0.index] }
    }
}

/// The `limit` best picks seen, nearest first (ties by id): a bounded insertion, since the
/// limit (tens) is far below the cases looked at (thousands).
private struct NearestPicks {
    struct Pick {
        var distance: Double
        var id: Int64
        var cell: OpenSpotIndex.CellKey
        var index: Int

        func precedes(_ other: Pick) -> Bool {
            distance != other.distance ? distance < other.distance : id < other.id
        }
    }

    let limit: Int
    private(set) var picks: [Pick] = []

    init(limit: Int) {
        self.limit = limit
        picks.reserveCapacity(Swift.min(limit, 1_024) + 1)
    }

    func wouldKeep(_ pick: Pick) -> Bool {
        picks.count < limit || pick.precedes(picks[picks.count - 1])
    }

    mutating func keep(_ pick: Pick) {
        var low = 0, high = picks.count
        while low < high {
            let middle = (low + high) / 2
            if picks[middle].precedes(pick) { low = middle + 1 } else { high = middle }
        }
        picks.insert(pick, at: low)
        if picks.count > limit { picks.removeLast() }
    }
}
