import Foundation

/// The learned duplicate scorer: trees over pair features, the type priors it was fitted with,
/// and the thresholds chosen on a later period. Saved as JSON; a reloaded model scores exactly
/// as the one that was saved.
public struct DedupModel: Sendable, Codable, Equatable {
    public static let formatVersion = 1

    public var formatVersion: Int
    /// Feature names in the trees' column order: a model saved by another build is refused if
    /// they differ, rather than read with its columns shuffled.
    public var features: [String]
    public var trees: GradientBoostedTrees
    public var priors: DedupTypePriors
    public var thresholds: DedupThresholds
    public var limits: DedupCandidateLimits
    /// What it was fitted on, for the record: periods, rows, pairs.
    public var provenance: [String: String]

    public init(trees: GradientBoostedTrees, priors: DedupTypePriors, thresholds: DedupThresholds,
                limits: DedupCandidateLimits, provenance: [String: String] = [:]) {
        formatVersion = Self.formatVersion
        features = DedupFeature.allCases.map(\.rawValue)
        self.trees = trees
        self.priors = priors
        self.thresholds = thresholds
        self.limits = limits
        self.provenance = provenance
    }

    /// The probability that the city would call `request` a duplicate of each candidate.
    public func probabilities(_ request: DedupCase, group: String, candidates: [DedupCandidate]) -> [Double] {
        featureRows(request, group: group, candidates: candidates).map(trees.probability)
    }

    private func featureRows(_ request: DedupCase, group: String, candidates: [DedupCandidate]) -> [[Double]] {
        let rates = priors.rates(type: request.serviceCode, group: group)
        return DedupPairFeatures.rows(request, candidates: candidates, typeRate: rates.type, groupRate: rates.group)
    }

    /// The most likely parent and its probability, with each feature's part in it; nil without
    /// candidates. `isDuplicate` says whether it clears the type's threshold.
    public func best(_ request: DedupCase, group: String, candidates: [DedupCandidate], threshold: Double? = nil) -> LearnedDedupDecision? {
        let rows = featureRows(request, group: group, candidates: candidates)
        var best: (index: Int, logit: Double)?
        for (i, row) in rows.enumerated() {
            let logit = trees.logit(row)
            if logit > (best?.logit ?? -.infinity) { best = (i, logit) }
        }
        guard let best else { return nil }
        let row = rows[best.index]
        let parts = trees.contributions(row)
        let contributions = DedupFeature.allCases.enumerated().map {
            LearnedDedupDecision.Contribution(feature: $1.rawValue, value: row[$0], logOdds: parts.perFeature[$0])
        }
        let cut = threshold ?? thresholds.threshold(type: request.serviceCode, group: group)
        let probability = 1 / (1 + exp(-best.logit))
        return LearnedDedupDecision(parentID: candidates[best.index].request.id, probability: probability, threshold: cut,
                                    isDuplicate: probability >= cut, baseLogOdds: parts.base, contributions: contributions)
    }

    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    public static func decode(_ bytes: [UInt8]) throws(DedupModelError) -> DedupModel {
        let model: DedupModel
        do { model = try JSONDecoder().decode(DedupModel.self, from: Data(bytes)) } catch {
            throw .unreadable("\(error)")
        }
        guard model.formatVersion == formatVersion, model.features == DedupFeature.allCases.map(\.rawValue) else {
            throw DedupModelError.incompatible(found: model.features, expected: DedupFeature.allCases.map(\.rawValue))
        }
        guard model.trees.trees.allSatisfy({ tree in tree.allSatisfy { $0.feature < model.features.count } }) else {
            throw DedupModelError.incompatible(found: model.features, expected: DedupFeature.allCases.map(\.rawValue))
        }
        return model
    }
}

public enum DedupModelError: Error, CustomStringConvertible {
    case incompatible(found: [String], expected: [String])
    case unreadable(String)
    public var description: String {
        switch self {
        case let .unreadable(reason):
            return "the model is not a Samespot dedup model (JSON as `samespot rules model --save` writes it): \(reason)"
        case let .incompatible(found, expected):
            return "the model was saved by another version of Samespot (features \(found.joined(separator: ",")); this one uses \(expected.joined(separator: ","))): fit it again with `samespot rules model`"
        }
    }
}

/// The parent the model chose and why, stored with a merge and shown to staff.
public struct LearnedDedupDecision: Sendable, Codable, Equatable {
    public struct Contribution: Sendable, Codable, Equatable {
        public var feature: String
        public var value: Double
        /// This feature's part in the log-odds: positive pushes toward "duplicate".
        public var logOdds: Double
    }

    public var parentID: Int
    public var probability: Double
    public var threshold: Double
    public var isDuplicate: Bool
    public var baseLogOdds: Double
    public var contributions: [Contribution]

    /// The features that moved the decision most, largest first.
    public func strongest(_ count: Int) -> [Contribution] {
        Array(contributions.sorted { abs($0.logOdds) > abs($1.logOdds) }.prefix(count))
    }
}

/// Which open cases are scored at all: the same type, within a radius or at the same address, no
/// older than a window; the nearest few. Wide on purpose: the trees decide, these only bound work.
public struct DedupCandidateLimits: Sendable, Codable, Equatable {
    public var radiusMetres: Double
    public var windowDays: Double
    public var maxCandidates: Int
    public init(radiusMetres: Double = 400, windowDays: Double = 90, maxCandidates: Int = 16) {
        self.radiusMetres = radiusMetres
        self.windowDays = windowDays
        self.maxCandidates = maxCandidates
    }
}

/// Duplicate rates by type, shrunk toward the type's group and the group's toward the city:
/// `(dups + k·parent rate) / (requests + k)`. A type with two requests in its history takes
/// nearly its group's rate; one with thousands keeps its own.
public struct DedupTypePriors: Sendable, Codable, Equatable {
    public var typeRate: [String: Double]
    public var groupRate: [String: Double]
    public var cityRate: Double
    public var strength: Double
    /// Reports a day per type in the fitting period: at intake, where no arrival count is at
    /// hand, `reportsBetween` is estimated from a candidate's age with it.
    public var dailyVolume: [String: Double] = [:]

    public init(counts: [(type: String, group: String, duplicate: Bool)], strength: Double = 50) {
        self.strength = strength
        var byType: [String: (n: Double, d: Double, group: String)] = [:]
        var byGroup: [String: (n: Double, d: Double)] = [:]
        var n = 0.0, d = 0.0
        for c in counts {
            let dup = c.duplicate ? 1.0 : 0
            byType[c.type, default: (0, 0, c.group)].n += 1
            byType[c.type]!.d += dup
            byGroup[c.group, default: (0, 0)].n += 1
            byGroup[c.group]!.d += dup
            n += 1; d += dup
        }
        cityRate = n > 0 ? d / n : 0
        let city = cityRate
        groupRate = byGroup.mapValues { ($0.d + strength * city) / ($0.n + strength) }
        let groups = groupRate
        typeRate = byType.mapValues { t in (t.d + strength * (groups[t.group] ?? city)) / (t.n + strength) }
    }

    /// Reports of `type` expected in `seconds`, for `reportsBetween` at intake.
    public func expectedReports(type: String, seconds: Double) -> Int {
        let perDay = dailyVolume[type] ?? (dailyVolume.values.reduce(0, +) / Double(max(dailyVolume.count, 1)))
        return Int((max(0, seconds) / 86_400 * perDay).rounded())
    }

    /// A type never seen takes its group's rate; a group never seen, the city's.
    public func rates(type: String, group: String) -> (type: Double, group: Double) {
        let g = groupRate[group] ?? cityRate
        return (typeRate[type] ?? g, g)
    }
}

/// The probability above which a pair is a duplicate: per type where the threshold period held
/// enough of its duplicates to choose one, else its group's, else the city's.
public struct DedupThresholds: Sendable, Codable, Equatable {
    public var byType: [String: Double]
    public var byGroup: [String: Double]
    public var city: Double

    public init(byType: [String: Double] = [:], byGroup: [String: Double] = [:], city: Double = 0.5) {
        self.byType = byType
        self.byGroup = byGroup
        self.city = city
    }

    public func threshold(type: String, group: String) -> Double {
        byType[type] ?? byGroup[group] ?? city
    }

    /// Where a type's threshold comes from, for the report.
    public func source(type: String, group: String) -> String {
        byType[type] != nil ? "type" : byGroup[group] != nil ? "group" : "city"
    }
}
