import Foundation
import SamespotCore

extension CaseTable {
    /// Deeper pages than this are left to PostgreSQL: the selection keeps `offset + limit` cases.
    public static let maxListedDepth = 100_000

    /// The cases an Open311 listing shows (`RequestQueryStore.list`), picked from memory by the
    /// same filter and in the same order: newest received first, then the higher request id;
    /// `offset` skipped, at most `limit`. PostgreSQL then reads just those rows. Picking here
    /// costs the same whatever the filter, where PostgreSQL reads the window by time and
    /// filters it (a ward's list of a city-year: 105 ms, for 1,000 of 35,000 rows read).
    ///
    /// nil when the filter asks what the table does not keep (tracking numbers, a ward set it
    /// lacks) or a page deeper than `maxListedDepth`: the caller asks PostgreSQL. Update times
    /// are kept: no index of them is (migration 13), so PostgreSQL would read the listing's
    /// time order and filter.
    public func newestRequestIDs(_ filter: RequestFilter, wardSetID: Int?) -> [Int64]? {
        guard filter.serviceRequestIDs == nil, filter.limit >= 0, filter.offset >= 0, filter.offset + filter.limit <= Self.maxListedDepth else { return nil }
        var wards: [UInt16]?, ward: UInt16 = 0
        if let name = filter.ward {
            // As PostgreSQL's join: no ward set in use, or a name the set lacks, lists nothing.
            guard let wardSetID else { return [] }
            guard let column = wardSets[wardSetID] else { return nil }
            guard let index = column.index[name] else { return [] }
            wards = column.ward; ward = index + 1
        }
        var codeAllowed = [Bool](repeating: filter.serviceCodes == nil, count: codeNames.count)
        for name in filter.serviceCodes ?? [] { if let code = codeIndex[name] { codeAllowed[Int(code)] = true } }
        let statusAllowed = Self.statusMask(filter.statuses)
        let start = filter.requestedFrom?.timeIntervalSince1970 ?? -.infinity
        let end = filter.requestedTo?.timeIntervalSince1970 ?? .infinity
        let byUpdate = filter.updatedAfter != nil || filter.updatedBefore != nil
        let updatedFrom = filter.updatedAfter?.timeIntervalSince1970 ?? -.infinity
        let updatedTo = filter.updatedBefore?.timeIntervalSince1970 ?? .infinity

        var newest = NewestCases(keeping: filter.offset + filter.limit)
        // Newest slots first, block by block (`SlotTimeSpans`): a block outside the date window,
        // or with no case newer than the oldest of a full page, is passed over whole. Intake's
        // ids follow time, so once a page is full nearly every older block is; an import in
        // another order only widens the spans (at worst a pass over every slot, as before).
        // Within a block the columns are read without bounds checks, the time (what a date
        // window turns most slots away by) first.
        let spans = requestedSpans
        flags.withUnsafeBufferPointer { flags in
            requestedAt.withUnsafeBufferPointer { requestedAt in
                code.withUnsafeBufferPointer { code in
                    status.withUnsafeBufferPointer { status in
                        for block in stride(from: spans.blockCount - 1, through: 0, by: -1) {
                            guard spans.mayHold(block, from: start, through: end) else { continue }
                            // A later block's slot breaks a tie in time against any slot of this one,
                            // so a block whose latest case is as old as the page's oldest adds nothing.
                            if let floor = newest.floorTime, spans.latest[block] <= floor { continue }
                            for slot in SlotTimeSpans.slots(of: block, within: flags.count).reversed() where flags[slot] & Self.present != 0 {
                                let requested = requestedAt[slot]
                                guard requested >= start, requested <= end,
                                      codeAllowed[Int(code[slot])], statusAllowed[Int(status[slot])] else { continue }
                                if let wards, slot >= wards.count || wards[slot] != ward { continue }
                                if byUpdate, !(updatedAt[slot] >= updatedFrom && updatedAt[slot] <= updatedTo) { continue }
                                newest.offer(requested, slot)
                            }
                            newest.settleFloor()
                        }
                    }
                }
            }
        }
        return newest.inOrder().dropFirst(filter.offset).map { base + Int64($0) }
    }
}

/// The `keeping` newest of the cases offered, by time then slot, in whatever order ids and
/// times come. Candidates newer than a floor are gathered unsorted; when they fill the buffer,
/// a selection (`Selection`) keeps the newest `keeping` and raises the floor to the last of
/// them. A case older than the floor costs one comparison; the worst order (every case newer
/// than those before) costs a selection of the buffer per `buffer - keeping` cases: linear.
struct NewestCases {
    typealias Key = (time: Double, slot: Int)
    private let keeping: Int
    private let buffer: Int
    private var keys: [Key] = []
    /// The `keeping`-th newest so far, once a selection ran: none older can be among them.
    private var floor: Key?

    init(keeping: Int) {
        self.keeping = keeping
        buffer = max(2 * keeping, 8_192)
        keys.reserveCapacity(min(buffer, 65_536))
    }

    /// Whether `a` comes before `b` in the listing: newer, or as new and of a higher id.
    private static func before(_ a: Key, _ b: Key) -> Bool {
        a.time > b.time || (a.time == b.time && a.slot > b.slot)
    }

    /// The time of the `keeping`-th newest so far, once known: no case older can be kept.
    var floorTime: Double? { floor?.time }

    /// Finds the floor as soon as `keeping` cases were offered, rather than when the buffer
    /// fills: a pass by blocks (`CaseTable.newestRequestIDs`) then skips blocks older than it.
    mutating func settleFloor() {
        if floor == nil, keeping > 0, keys.count >= keeping { keepNewest() }
    }

    mutating func offer(_ time: Double, _ slot: Int) {
        guard keeping > 0 else { return }
        let key = (time: time, slot: slot)
        if let floor, !Self.before(key, floor) { return }
        keys.append(key)
        if keys.count >= buffer { keepNewest() }
    }

    private mutating func keepNewest() {
        guard keeping > 0, keys.count >= keeping else { return }
        Selection.select(rank: keeping - 1, in: &keys, by: Self.before)
        keys.removeLast(keys.count - keeping)
        floor = keys[keeping - 1]
    }

    /// The slots kept, newest first.
    mutating func inOrder() -> [Int] {
        keepNewest()
        return keys.sorted(by: Self.before).map(\.slot)
    }
}
