/// Fits a `DedupModel` on a city's labelled history, in time order.
///
/// Pairs come from a replay that follows the city's own decisions (teacher forcing): each request
/// is paired with the open roots of its type near it, as the city's system held them. A pair is
/// positive when the city merged the request into that candidate's family. Files that mark
/// duplicates by status name no parent: there the most plausible candidate (same address, then
/// nearest, then newest) is taken as the parent and the request's other pairs are left out,
/// because which of them the city meant is unknown.
public enum DedupModelTraining {
    public struct Pairs {
        public var rows: [[Double]] = []
        public var labels: [Bool] = []
    }

    /// The pairs of the rows for which `include` is true, replaying every row before them too.
    public static func pairs(_ rows: [DedupEvaluation.Labelled], priors: DedupTypePriors, limits: DedupCandidateLimits,
                             include: (DedupEvaluation.Labelled) -> Bool) -> Pairs {
        var pool = DedupCandidatePool(limits: limits)
        var rootOf: [Int: Int] = [:]
        var out = Pairs()
        let lastIncluded = rows.lastIndex(where: include) ?? -1
        for row in rows.prefix(lastIncluded + 1) {
            let request = row.request
            let candidates = pool.candidates(for: request)
            var parent: Int?
            if row.cityDuplicate {
                if let p = row.cityParentID { parent = rootOf[p] ?? p }
                else if !row.parentOutsideData { parent = candidates.first?.request.id }  // the pool's order is the plausibility order
            }
            if include(row), !candidates.isEmpty, !(row.cityDuplicate && parent == nil) {
                let rates = priors.rates(type: request.serviceCode, group: row.group)
                let features = DedupPairFeatures.rows(request, candidates: candidates, typeRate: rates.type, groupRate: rates.group)
                let statusOnly = row.cityDuplicate && row.cityParentID == nil
                for (candidate, feature) in zip(candidates, features) {
                    let positive = candidate.request.id == parent
                    if statusOnly && !positive { continue }
                    out.rows.append(feature)
                    out.labels.append(positive)
                }
            }
            if row.cityDuplicate {
                if let parent {
                    rootOf[request.id] = parent
                    pool.record(request, as: .child(of: parent))
                } else {
                    pool.record(request, as: .childOfUnknownParent)
                }
            } else {
                pool.record(request, as: .root)
            }
        }
        return out
    }

    /// When the last fifth of `rows` (in time order) begins: where thresholds are chosen when no
    /// tuning period is given.
    public static func lastFifthStart(_ rows: [DedupEvaluation.Labelled]) -> Double? {
        rows.isEmpty ? nil : rows[rows.count * 4 / 5].request.requestedAt
    }

    /// Fits on the first four fifths of `rows` and chooses thresholds on the last: a model for
    /// intake from all of a city's history.
    public static func fitOnAll(_ rows: [DedupEvaluation.Labelled], parameters: GradientBoostedTrees.Parameters = .init()) -> DedupModel {
        let tuneFrom = lastFifthStart(rows) ?? 0
        return fit(rows, fit: { $0.request.requestedAt < tuneFrom }, tune: { $0.request.requestedAt >= tuneFrom }, parameters: parameters)
    }

    /// Fits the trees on the `fit` rows and chooses thresholds on the `tune` rows.
    public static func fit(_ rows: [DedupEvaluation.Labelled], fit: (DedupEvaluation.Labelled) -> Bool,
                           tune: (DedupEvaluation.Labelled) -> Bool, parameters: GradientBoostedTrees.Parameters = .init(),
                           limits: DedupCandidateLimits = .init(), minimumLabels: Int = 20) -> DedupModel {
        let fitRows = rows.filter(fit)
        var priors = DedupTypePriors(counts: fitRows.map { ($0.request.serviceCode, $0.group, $0.cityDuplicate) })
        if let first = fitRows.first?.request.requestedAt, let last = fitRows.last?.request.requestedAt {
            let days = max(1, (last - first) / 86_400)
            for (type, n) in Dictionary(grouping: fitRows, by: \.request.serviceCode).mapValues(\.count) { priors.dailyVolume[type] = Double(n) / days }
        }
        let pairs = Self.pairs(rows, priors: priors, limits: limits, include: fit)
        let trees = GradientBoostedTrees.fit(rows: pairs.rows, labels: pairs.labels, parameters: parameters)
        var model = DedupModel(trees: trees, priors: priors, thresholds: DedupThresholds(), limits: Self.narrowed(limits, pairs),
                               provenance: ["fitRows": "\(fitRows.count)", "pairs": "\(pairs.rows.count)",
                                            "positivePairs": "\(pairs.labels.filter { $0 }.count)", "seed": "\(parameters.seed)"])
        // Threshold choice replays the tuning period with the model's own merges (a provisional
        // 0.5 decides which requests become roots), and keeps each request's best probability.
        var replay = LearnedDedupReplay(model: model)
        var scored: [(type: String, group: String, probability: Double, actual: Bool)] = []
        let lastTuned = rows.lastIndex(where: tune) ?? -1
        for row in rows.prefix(lastTuned + 1) {
            let outcome = replay.add(row.request, group: row.group)
            if tune(row) { scored.append((row.request.serviceCode, row.group, outcome.decision?.probability ?? 0, row.cityDuplicate)) }
        }
        model.thresholds = chooseThresholds(scored, minimumLabels: minimumLabels)
        model.provenance["tuneRows"] = "\(scored.count)"
        return model
    }

    /// The search limits the city's own merges need: the radius and window that hold 99.5 % of
    /// the positive pairs (with room to spare), within the limits searched. At intake these set
    /// the locks and the candidates read, so a city whose duplicates are all at one address
    /// does not pay for a 400 m search.
    static func narrowed(_ limits: DedupCandidateLimits, _ pairs: Pairs) -> DedupCandidateLimits {
        let distance = DedupPairFeatures.index(.distanceMetres), age = DedupPairFeatures.index(.ageDays)
        let positives = zip(pairs.rows, pairs.labels).filter(\.1).map(\.0)
        guard positives.count >= 50 else { return limits }
        func quantile(_ values: [Double]) -> Double? {
            let sorted = values.filter { $0 >= 0 }.sorted()
            return sorted.isEmpty ? nil : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.995))]
        }
        var out = limits
        if let d = quantile(positives.map { $0[distance] }) { out.radiusMetres = min(limits.radiusMetres, max(50, (d * 1.5 / 10).rounded(.up) * 10)) }
        if let a = quantile(positives.map { $0[age] }) { out.windowDays = min(limits.windowDays, max(1, (a * 1.5).rounded(.up) + 1)) }
        return out
    }

    /// The F1-best threshold per type with at least `minimumLabels` duplicates, per group likewise,
    /// and for the city over all rows (0.5 when the tuning rows hold no duplicate at all).
    static func chooseThresholds(_ scored: [(type: String, group: String, probability: Double, actual: Bool)], minimumLabels: Int) -> DedupThresholds {
        func best(_ items: [(probability: Double, actual: Bool)]) -> Double? {
            let positives = items.filter(\.actual).count
            guard positives > 0 else { return nil }
            let sorted = items.sorted { $0.probability > $1.probability }
            var tp = 0, fp = 0
            var bestF1 = -1.0, bestCut = 0.5
            for (i, item) in sorted.enumerated() {
                if item.actual { tp += 1 } else { fp += 1 }
                // Cut only between distinct probabilities.
                if i + 1 < sorted.count, sorted[i + 1].probability == item.probability { continue }
                guard item.probability > 0 else { break }
                let f1 = 2.0 * Double(tp) / Double(2 * tp + fp + (positives - tp))
                if f1 > bestF1 {
                    bestF1 = f1
                    let below = i + 1 < sorted.count ? sorted[i + 1].probability : 0
                    bestCut = (item.probability + below) / 2
                }
            }
            return bestCut
        }
        var thresholds = DedupThresholds()
        let byType = Dictionary(grouping: scored, by: \.type)
        for (type, items) in byType where items.filter(\.actual).count >= minimumLabels {
            thresholds.byType[type] = best(items.map { ($0.probability, $0.actual) })
        }
        let byGroup = Dictionary(grouping: scored, by: \.group)
        for (group, items) in byGroup where items.filter(\.actual).count >= minimumLabels {
            thresholds.byGroup[group] = best(items.map { ($0.probability, $0.actual) })
        }
        thresholds.city = best(scored.map { ($0.probability, $0.actual) }) ?? 0.5
        return thresholds
    }
}

/// Replays requests in time order through a `DedupModel`: the model's own merges decide which
/// requests stay roots and catch later reports, as they would at intake.
public struct LearnedDedupReplay {
    public let model: DedupModel
    private var pool: DedupCandidatePool
    private var rootOf: [Int: Int] = [:]

    public init(model: DedupModel) {
        self.model = model
        pool = DedupCandidatePool(limits: model.limits)
    }

    public struct Outcome {
        /// The best candidate, whether or not it cleared the threshold; nil without candidates.
        public var decision: LearnedDedupDecision?
        public var candidates: Int
        public var isDuplicate: Bool { decision?.isDuplicate ?? false }
    }

    public mutating func add(_ request: DedupCase, group: String) -> Outcome {
        let candidates = pool.candidates(for: request)
        let decision = model.best(request, group: group, candidates: candidates)
        if let d = decision, d.isDuplicate {
            let root = rootOf[d.parentID] ?? d.parentID
            rootOf[request.id] = root
            pool.record(request, as: .child(of: root))
        } else {
            pool.record(request, as: .root)
        }
        return Outcome(decision: decision, candidates: candidates.count)
    }
}
