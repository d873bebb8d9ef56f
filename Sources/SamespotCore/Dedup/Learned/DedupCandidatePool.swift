/// The open parents of a replay, in memory, found by type and place: what intake reads from
/// PostgreSQL under its lock, kept here for fitting and evaluating on a city's history.
///
/// Only roots (requests that are not themselves merged) are candidates, each with the count of
/// reports merged into it so far.
public struct DedupCandidatePool {
    private var cases: [DedupCase] = []
    private var children: [Int] = []
    /// Each root's place in its type's arrival order, and each type's count so far.
    private var arrival: [Int] = []
    private var arrived: [String: Int] = [:]
    private var positionOf: [Int: Int] = [:]
    private var byAddress: [String: [Int]] = [:]
    private var byCell: [String: [Int64: [Int]]] = [:]
    private let limits: DedupCandidateLimits
    private let cellMetres: Double

    public init(limits: DedupCandidateLimits) {
        self.limits = limits
        cellMetres = max(limits.radiusMetres, 50)
    }

    private func cell(_ x: Double, _ y: Double) -> (Int64, Int64) {
        (Int64((x / cellMetres).rounded(.down)), Int64((y / cellMetres).rounded(.down)))
    }

    private static func key(_ c: (Int64, Int64)) -> Int64 { c.0 << 32 ^ (c.1 & 0xFFFF_FFFF) }

    /// Open roots of the request's type near it, nearest (same address first) and newest first.
    /// A candidate is open unless it was closed before the request; a date-only closing on the
    /// request's own day leaves it in (the feature `candidateClosedThatDay` says so).
    public func candidates(for request: DedupCase) -> [DedupCandidate] {
        var positions: [Int] = []
        if !request.addressKey.isEmpty { positions += byAddress["\(request.serviceCode)|\(request.addressKey)"] ?? [] }
        if let x = request.x, let y = request.y, let cells = byCell[request.serviceCode] {
            let c = cell(x, y)
            for dx in -1...1 { for dy in -1...1 { positions += cells[Self.key((c.0 + Int64(dx), c.1 + Int64(dy)))] ?? [] } }
        }
        var seen = Set<Int>()
        var found: [DedupCandidate] = []
        let window = limits.windowDays * 86_400
        let now = arrived[request.serviceCode] ?? 0
        for p in positions where seen.insert(p).inserted {
            let c = cases[p]
            let age = request.requestedAt - c.requestedAt
            guard c.id != request.id, age <= window, age >= (request.dateOnly || c.dateOnly ? -86_400 : 0) else { continue }
            if let closed = c.closedAt, closed <= request.requestedAt { continue }
            found.append(DedupCandidate(request: c, children: children[p], reportsBetween: max(0, now - arrival[p] - 1)))
        }
        return Self.select(request, found, limits: limits)
    }

    /// The candidates the model scores, from open roots of the type already read (here from
    /// memory, at intake from PostgreSQL): those at the same address or within the radius, same
    /// address first, then nearest, newest, and by id; at most `maxCandidates`.
    public static func select(_ request: DedupCase, _ open: [DedupCandidate], limits: DedupCandidateLimits) -> [DedupCandidate] {
        var found: [(candidate: DedupCandidate, distance: Double, sameAddress: Bool)] = []
        for candidate in open {
            let sameAddress = request.sharesAddress(with: candidate.request)
            let distance = request.metres(to: candidate.request) ?? .infinity
            guard sameAddress || distance <= limits.radiusMetres else { continue }
            found.append((candidate, distance, sameAddress))
        }
        found.sort {
            ($0.sameAddress ? 0 : 1, $0.distance, -$0.candidate.request.requestedAt, $0.candidate.request.id)
                < ($1.sameAddress ? 0 : 1, $1.distance, -$1.candidate.request.requestedAt, $1.candidate.request.id)
        }
        return found.prefix(limits.maxCandidates).map(\.candidate)
    }

    public enum Place { case root, child(of: Int), childOfUnknownParent }

    /// Remembers a request once decided: a root may catch later reports; a child counts against
    /// its root; every one counts in its type's arrival order.
    public mutating func record(_ request: DedupCase, as place: Place) {
        let order = arrived[request.serviceCode, default: 0]
        arrived[request.serviceCode] = order + 1
        switch place {
        case .root: addRoot(request, order: order)
        case .child(let root): if let p = positionOf[root] { children[p] += 1 }
        case .childOfUnknownParent: break
        }
    }

    private mutating func addRoot(_ request: DedupCase, order: Int) {
        let p = cases.count
        cases.append(request)
        children.append(0)
        arrival.append(order)
        positionOf[request.id] = p
        if !request.addressKey.isEmpty { byAddress["\(request.serviceCode)|\(request.addressKey)", default: []].append(p) }
        if let x = request.x, let y = request.y {
            byCell[request.serviceCode, default: [:]][Self.key(cell(x, y)), default: []].append(p)
        }
    }
}
