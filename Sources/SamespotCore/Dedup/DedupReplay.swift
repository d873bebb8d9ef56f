/// Replays requests in time order through the dedup rules, in memory: for evaluation against
/// a city's own duplicate labels, and for fitting rules on earlier years.
///
/// Only cases that became parents catch later repeats (a child follows its parent), each for its
/// rule's window from its own creation, while it is open.
public struct DedupReplay {
    public enum Candidates: Sendable {
        /// Samespot's engine: parents only, scored.
        case parentsOnly
        /// Any earlier request counts (the naive baseline's reading).
        case everyEarlierRequest
    }

    private var byAddress: [String: [Int]] = [:]
    private var byBlock: [String: [Int]] = [:]
    private var byCell: [String: [Int64: [Int]]] = [:]
    private var cases: [DedupCase] = []
    /// Each merged request's parent (a family's root), by request id.
    private var parentOf: [Int: Int] = [:]
    private let cellMetres: Double
    private let rules: (String) -> DedupRule
    private let mode: Candidates

    public init(rules: @escaping (String) -> DedupRule, mode: Candidates = .parentsOnly, cellMetres: Double = 250) {
        self.rules = rules
        self.mode = mode
        self.cellMetres = cellMetres
    }

    private func cell(_ x: Double, _ y: Double) -> (Int64, Int64) {
        (Int64((x / cellMetres).rounded(.down)), Int64((y / cellMetres).rounded(.down)))
    }

    private static func key(_ c: (Int64, Int64)) -> Int64 { c.0 << 32 ^ (c.1 & 0xFFFF_FFFF) }

    /// Decides one request (which must come after every request added before it, in time and
    /// source order) and remembers it. Returns the decision when it is a duplicate.
    public mutating func add(_ request: DedupCase) -> DedupDecision? {
        let rule = rules(request.serviceCode)
        var ids: [Int] = []
        switch rule.matchUnit {
        case .address:
            ids = byAddress["\(request.serviceCode)|\(request.addressKey)"] ?? []
        case .block:
            ids = byBlock["\(request.serviceCode)|\(request.blockKey)"] ?? []
        case .distance:
            if let x = request.x, let y = request.y {
                let c = cell(x, y)
                let reach = Int64((rule.radiusMetres / cellMetres).rounded(.up))
                let cells = byCell[request.serviceCode] ?? [:]
                for dx in -reach...reach {
                    for dy in -reach...reach { ids += cells[Self.key((c.0 + dx, c.1 + dy))] ?? [] }
                }
            }
        }
        let candidates = ids.map { cases[$0] }
        var decision = DedupScorer.decide(request, candidates: candidates, rule: rule)
        // A merged request's parent is the family's root: children never parent others.
        if var d = decision, mode == .parentsOnly, let root = parentOf[d.parentID] {
            d.parentID = root
            decision = d
        }
        let position = cases.count
        cases.append(request)
        if decision == nil || mode == .everyEarlierRequest {
            if !request.addressKey.isEmpty { byAddress["\(request.serviceCode)|\(request.addressKey)", default: []].append(position) }
            if !request.blockKey.isEmpty { byBlock["\(request.serviceCode)|\(request.blockKey)", default: []].append(position) }
            if let x = request.x, let y = request.y {
                byCell[request.serviceCode, default: [:]][Self.key(cell(x, y)), default: []].append(position)
            }
        }
        if let d = decision { parentOf[request.id] = d.parentID }
        return decision
    }
}

/// Precision, recall and F1 of "is a duplicate".
public struct DuplicateScore: Sendable, Equatable {
    public var truePositives = 0, falsePositives = 0, falseNegatives = 0, trueNegatives = 0
    public init() {}

    public mutating func count(predicted: Bool, actual: Bool) {
        switch (predicted, actual) {
        case (true, true): truePositives += 1
        case (true, false): falsePositives += 1
        case (false, true): falseNegatives += 1
        case (false, false): trueNegatives += 1
        }
    }

    public var precision: Double { truePositives + falsePositives == 0 ? 0 : Double(truePositives) / Double(truePositives + falsePositives) }
    public var recall: Double { truePositives + falseNegatives == 0 ? 0 : Double(truePositives) / Double(truePositives + falseNegatives) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }
    public mutating func add(_ other: DuplicateScore) {
        truePositives += other.truePositives; falsePositives += other.falsePositives
        falseNegatives += other.falseNegatives; trueNegatives += other.trueNegatives
    }

    public var total: Int { truePositives + falsePositives + falseNegatives + trueNegatives }
    public var labelled: Int { truePositives + falseNegatives }
}
