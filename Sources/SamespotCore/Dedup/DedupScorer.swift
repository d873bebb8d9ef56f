#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Picks the parent of a new request among open cases of its type, by its type's rule.
///
/// Pure: the caller hands in the candidates (from PostgreSQL under a lock at intake, or from
/// memory in a replay); the scorer decides and explains. A candidate qualifies when it is open,
/// no older than the window, and at the same spot by the rule's unit. Among those, the score
/// prefers the nearest, the most recent, and the one at the same address:
/// `0.5·(1 − d/r) + 0.3·(1 − age/window) + 0.2·[same address]`.
public enum DedupScorer {
    /// Requests whose sources give only a date: their order within the day is unknown, so a
    /// request of the same day counts as "before" only when it came earlier in the source's
    /// own order (the caller passes candidates that came earlier), and its age is taken as 0.
    public static func decide(_ request: DedupCase, candidates: [DedupCase], rule: DedupRule) -> DedupDecision? {
        guard rule.enabled, request.x != nil || rule.matchUnit != .distance else { return nil }
        var best: DedupDecision?
        for candidate in candidates where candidate.id != request.id && candidate.serviceCode == request.serviceCode {
            var age = request.requestedAt - candidate.requestedAt
            if request.dateOnly || candidate.dateOnly {
                // Within one day the order is unknown; a negative age inside it is not a refusal.
                if age < 0, age > -86_400 { age = 0 }
            }
            guard age >= 0, age <= rule.windowSeconds else { continue }
            if let closed = candidate.closedAt, closed <= request.requestedAt { continue }
            let sameAddress = request.sharesAddress(with: candidate)
            let sameBlock = request.sharesBlock(with: candidate)
            let distance = request.metres(to: candidate)
            let qualifies: Bool
            switch rule.matchUnit {
            case .distance: qualifies = distance.map { $0 <= rule.radiusMetres } ?? false
            case .address: qualifies = sameAddress
            case .block: qualifies = sameBlock && (distance.map { $0 <= max(rule.radiusMetres, 1) } ?? true)
            }
            guard qualifies else { continue }
            let radius = max(rule.radiusMetres, 1)
            let closeness = distance.map { max(0, 1 - $0 / radius) } ?? (sameAddress ? 1 : 0.5)
            let recency = rule.windowSeconds > 0 ? 1 - age / rule.windowSeconds : 1
            let score = 0.5 * closeness + 0.3 * recency + (sameAddress ? 0.2 : 0)
            if score > (best?.score ?? -1) {
                best = DedupDecision(parentID: candidate.id, distanceMetres: distance, ageSeconds: age,
                                     sameAddress: sameAddress, sameBlock: sameBlock, score: score, rule: rule)
            }
        }
        return best
    }
}
