import Foundation
import SamespotCore

public enum CaseMirrorError: Error, CustomStringConvertible {
    case noFeedPosition
    /// A change the table cannot take in place (a case below its first slot, an unknown ward
    /// set): load again.
    case needsLoad(String)

    public var description: String {
        switch self {
        case .noFeedPosition: return "PostgreSQL gave no snapshot position for the case feed"
        case .needsLoad(let why): return "the cases in memory must be loaded again: \(why)"
        }
    }
}

/// Every case, in memory, column by column: what ward summaries and hotspot maps read, so a
/// big city's year is counted in a pass over arrays rather than a scan of the table (about 80
/// bytes a case: 160 MB for two million).
///
/// A case lives at slot `request_id - base`. Request ids come from one sequence, so the
/// columns have few holes; a hole (a rolled-back insert, a deleted case) is a slot not
/// `present`. Kept current by `apply(_:)` from the feed of changed cases (`CaseFeedStore`).
public struct CaseTable: Sendable {
    /// A ward set's wards of every slot.
    struct WardColumn: Sendable {
        var names: [String]
        var index: [String: UInt16]
        /// 1-based into `names`; 0: in no ward of the set.
        var ward: [UInt16]
    }

    static let present: UInt8 = 0x80

    public private(set) var epoch: Int64
    public private(set) var cursor: UInt64
    /// Cases present.
    public private(set) var count = 0
    var base: Int64
    var flags: [UInt8] = []
    var status: [UInt8] = []
    var code: [UInt16] = []
    var requestedAt: [Double] = []
    var closedAt: [Double] = []
    var acknowledgedAt: [Double] = []
    var acknowledgeDueAt: [Double] = []
    var respondDueAt: [Double] = []
    var updatedAt: [Double] = []
    var x: [Double] = []
    var y: [Double] = []
    var childCount: [Int32] = []
    /// Each block of slots' span of `requestedAt`, for passes that can skip blocks (listings, hotspot maps).
    var requestedSpans = SlotTimeSpans()
    var codeNames: [String] = []
    var codeIndex: [String: UInt16] = [:]
    var wardSets: [Int: WardColumn] = [:]
    /// The open cases "already reported" reads, by place.
    public private(set) var spots = OpenSpotIndex()

    /// An empty table for a load (`CaseFeedStore.loadTable()`), its columns made for `ids`.
    init(epoch: Int64, cursor: UInt64, wardSets sets: [CaseWardRows], ids: ClosedRange<Int64>) throws {
        self.epoch = epoch
        self.cursor = cursor
        base = ids.lowerBound
        for set in sets {
            wardSets[set.setID] = WardColumn(names: set.names, index: Self.numbered(set.names), ward: [])
        }
        _ = try slot(ids.upperBound)
    }

    /// Takes a read of changes in: the changed cases as they are now, those gone removed.
    /// Throws `needsLoad` when the feed says to load again (its epoch moved on) or the change
    /// does not fit; the table is then not to be read until loaded again.
    public mutating func apply(_ batch: CaseFeedBatch) throws {
        guard batch.epoch == epoch else { throw CaseMirrorError.needsLoad("a bulk change (epoch \(epoch) → \(batch.epoch))") }
        for id in batch.changed ?? [] { remove(id); spots.remove(id) }
        try take(batch)
        cursor = batch.cursor
    }

    /// Cases read (with their wards) written into their slots.
    mutating func take(_ batch: CaseFeedBatch) throws {
        let rows = batch.cases
        let codes = batch.codeNames.map { name in
            if let known = codeIndex[name] { return known }
            codeIndex[name] = UInt16(codeNames.count)
            codeNames.append(name)
            return UInt16(codeNames.count - 1)
        }
        if let last = rows.ids.max() { _ = try slot(last) }  // the columns grown once, not case by case
        for i in 0..<rows.count {
            let slot = try slot(rows.ids[i])
            if flags[slot] & Self.present == 0 { count += 1 }
            flags[slot] = UInt8(truncatingIfNeeded: rows.flags[i]) | Self.present
            status[slot] = UInt8(truncatingIfNeeded: rows.statuses[i])
            code[slot] = codes[Int(rows.codes[i])]
            requestedAt[slot] = rows.requestedAt[i]; closedAt[slot] = rows.closedAt[i]
            requestedSpans.note(rows.requestedAt[i], slot: slot)
            acknowledgedAt[slot] = rows.acknowledgedAt[i]
            acknowledgeDueAt[slot] = rows.acknowledgeDueAt[i]; respondDueAt[slot] = rows.respondDueAt[i]
            updatedAt[slot] = rows.updatedAt[i]
            x[slot] = rows.x[i]; y[slot] = rows.y[i]
            childCount[slot] = rows.childCounts[i]
        }
        for set in batch.wards {
            guard var column = wardSets.removeValue(forKey: set.setID) else {
                throw CaseMirrorError.needsLoad("ward set \(set.setID) is new")
            }
            let wards = set.names.map { name in
                if let known = column.index[name] { return known + 1 }
                column.names.append(name)
                column.index[name] = UInt16(column.names.count - 1)
                return UInt16(column.names.count)
            }
            if column.ward.count < flags.count { column.ward += repeatElement(0, count: flags.count - column.ward.count) }
            for (id, ward) in zip(set.ids, set.wards) {
                let slot = try slot(id)
                if slot >= column.ward.count { column.ward += repeatElement(0, count: slot + 1 - column.ward.count) }
                column.ward[slot] = ward > 0 ? wards[Int(ward) - 1] : 0
            }
            wardSets[set.setID] = column
        }
        for spot in batch.spots { spots.insert(spot) }
    }

    /// The slot of `id`, the columns grown to hold it.
    private mutating func slot(_ id: Int64) throws -> Int {
        guard id >= base else { throw CaseMirrorError.needsLoad("case \(id) is below the first slot \(base)") }
        let slot = Int(id - base)
        if slot >= flags.count {
            let grow = slot + 1 - flags.count
            flags += repeatElement(0, count: grow); status += repeatElement(0, count: grow); code += repeatElement(0, count: grow)
            for column in [\CaseTable.requestedAt, \.closedAt, \.acknowledgedAt, \.acknowledgeDueAt, \.respondDueAt, \.updatedAt, \.x, \.y] {
                self[keyPath: column] += repeatElement(.nan, count: grow)
            }
            childCount += repeatElement(0, count: grow)
            requestedSpans.grow(toSlots: flags.count)
            for setID in Array(wardSets.keys) { wardSets[setID]!.ward += repeatElement(0, count: flags.count - wardSets[setID]!.ward.count) }
        }
        return slot
    }

    private mutating func remove(_ id: Int64) {
        guard id >= base, id - base < Int64(flags.count) else { return }
        let slot = Int(id - base)
        if flags[slot] & Self.present != 0 { count -= 1 }
        flags[slot] = 0
        for setID in Array(wardSets.keys) { wardSets[setID]!.ward[slot] = 0 }
    }

    static func numbered(_ names: [String]) -> [String: UInt16] {
        Dictionary(names.enumerated().map { ($0.element, UInt16($0.offset)) }, uniquingKeysWith: { first, _ in first })
    }

    /// The case flags of a slot (nil for an empty slot).
    func caseFlags(_ slot: Int) -> CaseFlags? {
        let bits = flags[slot]
        return bits & Self.present == 0 ? nil : CaseFlags(rawValue: Int32(bits & ~Self.present))
    }

    /// Which status numbers (`status`, 0: one this build does not know) a filter lets through:
    /// all for nil.
    static func statusMask(_ statuses: [CaseStatus]?) -> [Bool] {
        var allowed = [Bool](repeating: statuses == nil, count: CaseStatus.allCases.count + 1)
        for status in statuses ?? [] { allowed[CaseStatus.allCases.firstIndex(of: status)! + 1] = true }
        return allowed
    }

    /// The status of a slot, when this build knows it.
    func caseStatus(_ slot: Int) -> CaseStatus? {
        let index = Int(status[slot]) - 1
        return CaseStatus.allCases.indices.contains(index) ? CaseStatus.allCases[index] : nil
    }
}
