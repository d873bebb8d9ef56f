/// Scores the learned model on a later period than it was fitted and tuned on, beside the rules
/// fitted on the same earlier rows, the published hand rules and the naive rule, each with a
/// bootstrap 95 % interval, and lists the model's most confident mistakes.
public struct LearnedDedupEvaluation: Sendable {
    public enum Method: String, CaseIterable, Sendable, Codable {
        case model
        case fittedRules = "fitted rules"
        case handRules = "hand rules"
        case naive
    }

    public struct Interval: Sendable, Codable, Equatable {
        public var low: Double
        public var high: Double
    }

    public struct Score: Sendable, Codable, Equatable {
        public var truePositives: Int
        public var falsePositives: Int
        public var falseNegatives: Int
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var precisionInterval: Interval
        public var recallInterval: Interval
        public var f1Interval: Interval
    }

    public struct TypeReport: Sendable, Codable {
        public var serviceCode: String
        public var group: String
        public var rows: Int
        public var labelled: Int
        public var threshold: Double
        /// "type", "group" or "city": where its threshold came from.
        public var thresholdFrom: String
        public var fittedRule: String
        public var handRule: String
        public var scores: [String: Score]
    }

    public struct Mistake: Sendable, Codable {
        /// "false merge" (the model merged, the city did not) or "missed" (the other way).
        public var kind: String
        public var row: Int
        public var parentRow: Int?
        public var probability: Double
        public var threshold: Double
        public var strongest: [LearnedDedupDecision.Contribution]
    }

    public var model: DedupModel
    public var types: [TypeReport] = []
    public var pooled: [String: Score] = [:]
    /// The same, leaving out duplicates whose city parent was filed before the data starts (no
    /// replay of the data can find those); nil when there are none.
    public var pooledParentsInData: [String: Score]?
    public var parentsOutsideData = 0
    public var mistakes: [Mistake] = []
    /// Of the model's merges whose city parent is in the data: how many chose that family.
    public var parentAgreement = (agree: 0, comparable: 0)
    public var reportedRows = 0

    /// - Parameters:
    ///   - rows: every request in time order (`DedupEvaluation.labelledRows`); `request.id` is the position.
    ///   - names: service code → name, for the hand rules.
    ///   - tuneFrom, reportFrom: local seconds; fit before `tuneFrom`, thresholds on
    ///     `tuneFrom..<reportFrom`, scored from `reportFrom` on.
    public init(rows: [DedupEvaluation.Labelled], names: [String: String], tuneFrom: Double, reportFrom: Double,
                parameters: GradientBoostedTrees.Parameters = .init(), bootstrapRounds: Int = 1000, mistakesShown: Int = 10) {
        let isReported: (DedupEvaluation.Labelled) -> Bool = { $0.request.requestedAt >= reportFrom }
        model = DedupModelTraining.fit(rows, fit: { $0.request.requestedAt < tuneFrom },
                                       tune: { $0.request.requestedAt >= tuneFrom && !isReported($0) }, parameters: parameters)

        let handRule = DedupDefaults.rules(names: names)
        // Each method's verdict on every row, from replays over the whole history.
        var replay = LearnedDedupReplay(model: model)
        let outcomes = rows.map { replay.add($0.request, group: $0.group) }
        let fitted = DedupEvaluation(rows: rows, isReported: isReported, fallback: handRule, fitOnScoredRows: false).results
        let fittedRules = Dictionary(fitted.map { ($0.serviceCode, $0.rule) }, uniquingKeysWith: { a, _ in a })
        let fellBack = Set(fitted.filter(\.isFallback).map(\.serviceCode))
        var predicted: [Method: [Bool]] = [:]
        predicted[.model] = outcomes.map(\.isDuplicate)
        predicted[.fittedRules] = DedupEvaluation.predictions(rows, rules: { fittedRules[$0] ?? .disabled($0) }, mode: .parentsOnly)
        predicted[.handRules] = DedupEvaluation.predictions(rows, rules: handRule, mode: .parentsOnly)
        predicted[.naive] = DedupEvaluation.predictions(rows, rules: DedupEvaluation.naiveRule, mode: .everyEarlierRequest)

        let reported = rows.indices.filter { isReported(rows[$0]) }
        reportedRows = reported.count
        let actual = rows.map(\.cityDuplicate)
        var random = SplitMix64(seed: parameters.seed)
        pooled = Self.scores(reported, predicted: predicted, actual: actual, rounds: bootstrapRounds, random: &random)
        parentsOutsideData = reported.filter { rows[$0].parentOutsideData }.count
        if parentsOutsideData > 0 {
            let inData = reported.filter { !rows[$0].parentOutsideData }
            pooledParentsInData = Self.scores(inData, predicted: predicted, actual: actual, rounds: bootstrapRounds, random: &random)
        }
        for (type, indices) in Dictionary(grouping: reported, by: { rows[$0].request.serviceCode }).sorted(by: { $0.key < $1.key }) {
            let group = rows[indices[0]].group
            let rule = fittedRules[type]
            types.append(TypeReport(
                serviceCode: type, group: group, rows: indices.count, labelled: indices.filter { actual[$0] }.count,
                threshold: model.thresholds.threshold(type: type, group: group),
                thresholdFrom: model.thresholds.source(type: type, group: group),
                fittedRule: (rule.map(Self.describe) ?? "none") + (fellBack.contains(type) ? " (no earlier duplicates: the hand rule)" : ""), handRule: Self.describe(handRule(type)),
                scores: Self.scores(indices, predicted: predicted, actual: actual, rounds: bootstrapRounds, random: &random)))
        }

        for i in reported {
            guard let d = outcomes[i].decision, d.isDuplicate, let cityParent = rows[i].cityParentID, rows[i].cityDuplicate else { continue }
            parentAgreement.comparable += 1
            if d.parentID == cityParent || replayRoot(d.parentID, outcomes) == replayRoot(cityParent, outcomes) { parentAgreement.agree += 1 }
        }

        var wrong: [Mistake] = []
        for i in reported where outcomes[i].isDuplicate != actual[i] {
            let d = outcomes[i].decision
            wrong.append(Mistake(kind: actual[i] ? "missed" : "false merge", row: i, parentRow: d?.parentID,
                                 probability: d?.probability ?? 0, threshold: d?.threshold ?? model.thresholds.threshold(type: rows[i].request.serviceCode, group: rows[i].group),
                                 strongest: d?.strongest(4) ?? []))
        }
        // Most confident first: false merges by their probability, misses by how far below the cut they fell.
        let falseMerges = wrong.filter { $0.kind == "false merge" }.sorted { $0.probability > $1.probability }
        let misses = wrong.filter { $0.kind == "missed" }.sorted { $0.probability < $1.probability }
        mistakes = Array(falseMerges.prefix(mistakesShown)) + Array(misses.prefix(mistakesShown))
    }

    /// A merged row's family root as the model's replay left it.
    private func replayRoot(_ id: Int, _ outcomes: [LearnedDedupReplay.Outcome]) -> Int {
        var id = id
        var steps = 0
        while id < outcomes.count, let d = outcomes[id].decision, d.isDuplicate, steps < 64 { id = d.parentID; steps += 1 }
        return id
    }

    static func describe(_ rule: DedupRule) -> String {
        guard rule.enabled else { return "off" }
        let days = rule.windowDays >= 1 ? "\(Int(rule.windowDays)) d" : "\(Int((rule.windowDays * 24).rounded())) h"
        return rule.matchUnit == .address ? "address, \(days)" : "\(rule.matchUnit.rawValue) \(Int(rule.radiusMetres)) m, \(days)"
    }

    /// P, R and F1 of each method on `indices`, with percentile intervals from `rounds` resamples.
    static func scores(_ indices: [Int], predicted: [Method: [Bool]], actual: [Bool], rounds: Int,
                       random: inout SplitMix64) -> [String: Score] {
        let methods = Method.allCases
        var samples: [[(p: Double, r: Double, f: Double)]] = Array(repeating: [], count: methods.count)
        var resample = [Int](repeating: 0, count: indices.count)
        for _ in 0..<rounds where !indices.isEmpty {
            for k in resample.indices { resample[k] = indices[Int(random.next() % UInt64(indices.count))] }
            for (m, method) in methods.enumerated() {
                let s = Self.count(resample, predicted[method]!, actual)
                samples[m].append((s.precision, s.recall, s.f1))
            }
        }
        var out: [String: Score] = [:]
        for (m, method) in methods.enumerated() {
            let s = Self.count(indices, predicted[method]!, actual)
            func interval(_ values: [Double]) -> Interval {
                guard !values.isEmpty else { return Interval(low: 0, high: 0) }
                let sorted = values.sorted()
                return Interval(low: sorted[Int(Double(sorted.count - 1) * 0.025)], high: sorted[Int(Double(sorted.count - 1) * 0.975)])
            }
            out[method.rawValue] = Score(truePositives: s.truePositives, falsePositives: s.falsePositives, falseNegatives: s.falseNegatives,
                                         precision: s.precision, recall: s.recall, f1: s.f1,
                                         precisionInterval: interval(samples[m].map(\.p)), recallInterval: interval(samples[m].map(\.r)),
                                         f1Interval: interval(samples[m].map(\.f)))
        }
        return out
    }

    private static func count(_ indices: [Int], _ predicted: [Bool], _ actual: [Bool]) -> DuplicateScore {
        var s = DuplicateScore()
        for i in indices { s.count(predicted: predicted[i], actual: actual[i]) }
        return s
    }
}
