#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the learned scorer sees of one (new request, open candidate) pair.
///
/// Every feature is something known at intake: the candidate's future (when it will close, what
/// its crew will find) never enters. Unknowns are −1, a value no real feature takes, so a tree
/// can send them their own way.
public enum DedupFeature: String, CaseIterable, Sendable, Codable {
    case distanceMetres
    case ageDays
    /// Reports of the same type the city took between the two, from their order of arrival: where
    /// a source gives only dates, the one clock inside a day. Two reports in a row are often one
    /// caller reporting two different things. At intake, where times are exact, it is estimated
    /// from the age and the type's daily volume.
    case reportsBetween
    case sameAddress
    case sameBlock
    case sameStreet
    /// Same parity of house number on the same street: the same side of it (1), the other (0).
    case sameSide
    case numberGap
    /// A date-only source says the candidate was closed on the request's own day: it may already
    /// have been closed when the request came in.
    case candidateClosedThatDay
    /// Requests already counted against the candidate (its children).
    case candidateReports
    case candidatesNearby
    case candidatesAtAddress
    /// 0 for the nearest candidate, 1 for the next, …
    case distanceRank
    /// 0 for the most recent candidate, 1 for the next, …
    case recencyRank
    case hourOfDay
    case weekday
    case dateOnly
    case sameDescription
    case descriptionSimilarity
    /// The type's duplicate rate in the fitting period, shrunk toward its group's (and the
    /// group's toward the city's): how a type with little history borrows strength.
    case typeDuplicateRate
    case groupDuplicateRate

    public static let count = allCases.count
}

/// A candidate parent: an open case of the same type, with the reports already counted against it.
public struct DedupCandidate: Sendable, Equatable {
    public var request: DedupCase
    public var children: Int
    /// Reports of its type that came in after it and before the request being decided.
    public var reportsBetween: Int
    public init(request: DedupCase, children: Int, reportsBetween: Int = 0) {
        self.request = request
        self.children = children
        self.reportsBetween = reportsBetween
    }
}

public enum DedupPairFeatures {
    /// The feature rows of `request` against each of `candidates` (same order).
    public static func rows(_ request: DedupCase, candidates: [DedupCandidate], typeRate: Double, groupRate: Double) -> [[Double]] {
        guard !candidates.isEmpty else { return [] }
        let distances = candidates.map { request.metres(to: $0.request) }
        let distanceOrder = ranks(candidates.indices.map { distances[$0] ?? .infinity })
        let recencyOrder = ranks(candidates.map { -$0.request.requestedAt })
        let atAddress = candidates.filter { request.sharesAddress(with: $0.request) }.count
        let hour = request.dateOnly ? -1.0 : Double(Int(positiveRemainder(request.requestedAt, 86_400) / 3_600))
        let weekday = Double((Int((request.requestedAt / 86_400).rounded(.down)) % 7 + 7 + 4) % 7)  // 1970-01-01 was a Thursday
        let words = request.description.isEmpty ? nil : wordSet(request.description)
        return candidates.enumerated().map { i, c in
            let candidate = c.request
            var row = [Double](repeating: -1, count: DedupFeature.count)
            func set(_ f: DedupFeature, _ v: Double) { row[Self.index(f)] = v }
            if let d = distances[i] { set(.distanceMetres, d) }
            set(.ageDays, max(0, request.requestedAt - candidate.requestedAt) / 86_400)
            set(.reportsBetween, Double(c.reportsBetween))
            set(.sameAddress, request.sharesAddress(with: candidate) ? 1 : 0)
            set(.sameBlock, request.sharesBlock(with: candidate) ? 1 : 0)
            let sameStreet = !request.streetKey.isEmpty && request.streetKey == candidate.streetKey
            set(.sameStreet, sameStreet ? 1 : 0)
            if sameStreet, let a = request.houseNumber, let b = candidate.houseNumber {
                set(.sameSide, a % 2 == b % 2 ? 1 : 0)
                set(.numberGap, Double(abs(a - b)))
            }
            let closedThatDay = request.dateOnly && (candidate.closedAt.map { $0 - request.requestedAt <= 86_400 } ?? false)
            set(.candidateClosedThatDay, closedThatDay ? 1 : 0)
            set(.candidateReports, Double(c.children))
            set(.candidatesNearby, Double(candidates.count))
            set(.candidatesAtAddress, Double(atAddress))
            set(.distanceRank, Double(distanceOrder[i]))
            set(.recencyRank, Double(recencyOrder[i]))
            set(.hourOfDay, hour)
            set(.weekday, weekday)
            set(.dateOnly, request.dateOnly || candidate.dateOnly ? 1 : 0)
            if let words, !candidate.description.isEmpty {
                set(.sameDescription, request.description.uppercased() == candidate.description.uppercased() ? 1 : 0)
                let other = wordSet(candidate.description)
                let union = words.union(other).count
                set(.descriptionSimilarity, union == 0 ? 0 : Double(words.intersection(other).count) / Double(union))
            }
            set(.typeDuplicateRate, typeRate)
            set(.groupDuplicateRate, groupRate)
            return row
        }
    }

    static let positions: [DedupFeature: Int] = Dictionary(uniqueKeysWithValues: DedupFeature.allCases.enumerated().map { ($1, $0) })
    public static func index(_ feature: DedupFeature) -> Int { positions[feature]! }

    /// Each value's place in ascending order (ties keep their input order).
    private static func ranks(_ values: [Double]) -> [Int] {
        var out = [Int](repeating: 0, count: values.count)
        for (rank, i) in values.indices.sorted(by: { (values[$0], $0) < (values[$1], $1) }).enumerated() { out[i] = rank }
        return out
    }

    private static func positiveRemainder(_ a: Double, _ b: Double) -> Double {
        let r = fmod(a, b)
        return r < 0 ? r + b : r
    }

    static func wordSet(_ text: String) -> Set<String> {
        Set(text.uppercased().split { !($0.isLetter || $0.isNumber) }.map(String.init))
    }
}
