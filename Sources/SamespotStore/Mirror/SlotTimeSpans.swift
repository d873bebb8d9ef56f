/// The earliest and latest receiving time of the cases in each block of `slotsPerBlock` slots,
/// so a pass over the cases in memory can skip whole blocks: those outside a date window (an
/// Open311 listing's dates, a hotspot map's), and, for a listing once it holds a page, those
/// with no case newer than the page's oldest.
///
/// Request ids come from one sequence at intake, so a block holds a few hours or days of a
/// city's requests and a listing of the newest reads a handful of blocks instead of two million
/// slots. An import in another order only makes the spans wider (nothing is skipped that might
/// hold a case of the answer; at worst, a full pass as before).
///
/// A span is a bound, not exact: a case removed or moved to another time leaves its block's span
/// as wide as it was (never too narrow), until the table is loaded again.
struct SlotTimeSpans: Sendable {
    static let slotsPerBlock = 4_096
    /// Per block; `+infinity` / `-infinity` for a block that never held a case.
    private(set) var earliest: [Double] = []
    private(set) var latest: [Double] = []

    var blockCount: Int { earliest.count }

    /// Makes room for the blocks of `slots` slots.
    mutating func grow(toSlots slots: Int) {
        let blocks = (slots + Self.slotsPerBlock - 1) / Self.slotsPerBlock
        guard blocks > earliest.count else { return }
        earliest += repeatElement(.infinity, count: blocks - earliest.count)
        latest += repeatElement(-.infinity, count: blocks - latest.count)
    }

    /// A case at `slot` received at `time` (seconds since 1970; NaN for none).
    mutating func note(_ time: Double, slot: Int) {
        guard !time.isNaN else { return }
        let block = slot / Self.slotsPerBlock
        if time < earliest[block] { earliest[block] = time }
        if time > latest[block] { latest[block] = time }
    }

    /// The slots of `block` (the last block may reach past the table's last slot).
    static func slots(of block: Int, within count: Int) -> Range<Int> {
        block * slotsPerBlock..<min(count, (block + 1) * slotsPerBlock)
    }

    /// Whether `block` may hold a case received from `start` through `end` (either may be infinite).
    func mayHold(_ block: Int, from start: Double, through end: Double) -> Bool {
        latest[block] >= start && earliest[block] <= end && earliest[block] <= latest[block]
    }
}
