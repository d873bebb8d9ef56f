/// Fits dedup rules per type on earlier requests and scores them on later ones against the
/// city's own labels, beside the naive rule (same address, an earlier request still open, 7 days).
public struct DedupEvaluation: Sendable {
    public struct Labelled: Sendable {
        public var request: DedupCase
        public var cityDuplicate: Bool
        public var cityParentID: Int?
        /// The city names a parent that is not in the data (filed before the file starts): such a
        /// duplicate cannot be found by any replay of this file, so it is also scored apart.
        public var parentOutsideData: Bool
        /// The type's family (`DedupDefaults.group`), for the learned scorer's priors.
        public var group: String
        public init(request: DedupCase, cityDuplicate: Bool, cityParentID: Int?, parentOutsideData: Bool = false, group: String = "other") {
            self.request = request
            self.group = group
            self.cityDuplicate = cityDuplicate
            self.cityParentID = cityParentID
            self.parentOutsideData = parentOutsideData
        }
    }

    public struct TypeResult: Sendable {
        public var serviceCode: String
        public var rule: DedupRule
        public var fitF1: Double
        /// No rule scored above 0 on the fitting rows (they hold no duplicate): the fallback was taken.
        public var isFallback: Bool { fitF1 == 0 }
        public var engine: DuplicateScore
        public var naive: DuplicateScore
        /// The engine's score leaving out duplicates whose parent is outside the data.
        public var engineParentsInData: DuplicateScore
        public var parentAgreement: (agree: Int, comparable: Int)
    }

    /// The rules tried when fitting: every unit, radius and window below.
    public static let radii: [Double] = [10, 20, 40, 80, 150, 250]
    public static let windows: [Double] = [1, 3, 7, 14, 30, 60, 90]

    public static let naiveRule: @Sendable (String) -> DedupRule = { DedupRule(serviceCode: $0, radiusMetres: 0, windowDays: 7, matchUnit: .address) }

    public var results: [TypeResult] = []

    /// - Parameters:
    ///   - rows: every request in time order (ties in the source's order).
    ///   - isReported: rows scored; the others (earlier) are used to fit and as history.
    ///   - fallback: the rule of a type whose fitting rows hold no duplicate to fit on (the hand
    ///     rule for its kind, by default Snap Send Solve's): few labels never switch a type off.
    ///   - fitOnScoredRows: a type with no earlier rows is fitted on its scored rows (for `rules
    ///     fit`, which scores what it fits); off, it takes the fallback (for a fair evaluation).
    public init(rows: [Labelled], isReported: (Labelled) -> Bool, fallback: (String) -> DedupRule = DedupRule.fallback,
                fitOnScoredRows: Bool = true) {
        let types = Set(rows.map(\.request.serviceCode)).sorted()
        for type in types {
            let ofType = rows.filter { $0.request.serviceCode == type }
            let fitRows = ofType.filter { !isReported($0) }
            let reported = Set(ofType.filter(isReported).map(\.request.id))
            guard !reported.isEmpty else { continue }
            // Fit on the earlier rows, or, when there are none, on the reported rows themselves (said in the output).
            let fitSet = fitRows.isEmpty && fitOnScoredRows ? ofType : fitRows
            var best = (rule: fallback(type), f1: 0.0)
            var candidates: [DedupRule] = []
            for window in Self.windows {
                candidates.append(DedupRule(serviceCode: type, radiusMetres: 0, windowDays: window, matchUnit: .address))
                for radius in Self.radii {
                    candidates.append(DedupRule(serviceCode: type, radiusMetres: radius, windowDays: window, matchUnit: .distance))
                    candidates.append(DedupRule(serviceCode: type, radiusMetres: radius, windowDays: window, matchUnit: .block))
                }
            }
            for rule in candidates {
                let score = Self.replay(fitSet, rules: { _ in rule }, mode: .parentsOnly, scored: nil).score
                if score.f1 > best.f1 { best = (rule, score.f1) }
            }
            let chosen = best.rule
            let engine = Self.replay(ofType, rules: { _ in chosen }, mode: .parentsOnly, scored: reported)
            let inData = Set(ofType.filter { isReported($0) && !$0.parentOutsideData }.map(\.request.id))
            let engineInData = Self.replay(ofType, rules: { _ in chosen }, mode: .parentsOnly, scored: inData)
            let naive = Self.replay(ofType, rules: Self.naiveRule, mode: .everyEarlierRequest, scored: reported)
            results.append(TypeResult(serviceCode: type, rule: chosen, fitF1: best.f1, engine: engine.score,
                                      naive: naive.score, engineParentsInData: engineInData.score, parentAgreement: engine.parents))
        }
    }

    static func replay(_ rows: [Labelled], rules: @escaping (String) -> DedupRule, mode: DedupReplay.Candidates,
                       scored: Set<Int>?) -> (score: DuplicateScore, parents: (agree: Int, comparable: Int)) {
        var replay = DedupReplay(rules: rules, mode: mode)
        var score = DuplicateScore()
        var agree = 0, comparable = 0
        let known = Set(rows.map(\.request.id))
        for row in rows {
            let decision = replay.add(row.request)
            guard scored?.contains(row.request.id) ?? true else { continue }
            score.count(predicted: decision != nil, actual: row.cityDuplicate)
            if let cityParent = row.cityParentID, known.contains(cityParent), let d = decision {
                comparable += 1
                if d.parentID == cityParent { agree += 1 }
            }
        }
        return (score, (agree, comparable))
    }

    /// Each row's verdict (merged or not) from one replay of all rows under `rules`.
    public static func predictions(_ rows: [Labelled], rules: @escaping (String) -> DedupRule, mode: DedupReplay.Candidates) -> [Bool] {
        var replay = DedupReplay(rules: rules, mode: mode)
        return rows.map { replay.add($0.request) != nil }
    }

    public var pooled: (engine: DuplicateScore, naive: DuplicateScore) {
        var engine = DuplicateScore(), naive = DuplicateScore()
        for r in results {
            engine.add(r.engine)
            naive.add(r.naive)
        }
        return (engine, naive)
    }

    public var pooledParentsInData: DuplicateScore {
        var score = DuplicateScore()
        for r in results { score.add(r.engineParentsInData) }
        return score
    }

    /// The unweighted mean F1 over types that have at least one labelled duplicate.
    public var meanF1: (engine: Double, naive: Double) {
        let labelled = results.filter { $0.engine.labelled > 0 }
        guard !labelled.isEmpty else { return (0, 0) }
        return (labelled.map(\.engine.f1).reduce(0, +) / Double(labelled.count),
                labelled.map(\.naive.f1).reduce(0, +) / Double(labelled.count))
    }

    /// The records in the order `labelledRows` replays them: its request ids are positions here.
    public static func timeOrdered(_ records: [CityRequestRecord]) -> [CityRequestRecord] {
        records.enumerated().sorted {
            ($0.element.requestedAt.localSeconds, $0.element.serviceRequestID, $0.offset)
                < ($1.element.requestedAt.localSeconds, $1.element.serviceRequestID, $1.offset)
        }.map(\.element)
    }

    /// A city file's records as replay rows, in time order. Ties (and date-only rows within a
    /// day) go by tracking number: cities number requests as they arrive, so its order is the
    /// arrival order the date lacks. `project` gives metres on the city's grid.
    public static func labelledRows(_ records: [CityRequestRecord], project: (Double, Double) -> (x: Double, y: Double)?) -> [Labelled] {
        let ordered = timeOrdered(records)
        let ids = Dictionary(ordered.enumerated().map { ($0.element.serviceRequestID, $0.offset) }, uniquingKeysWith: { a, _ in a })
        return ordered.enumerated().map { i, r in
            let point = r.longitude.flatMap { lon in r.latitude.flatMap { lat in project(lon, lat) } }
            let parsed = AddressNormalizer.parse(r.address)
            let addressKey = parsed.kind == .address ? parsed.normalized : ""
            let blockKey = parsed.houseNumber.flatMap { n in parsed.street.map { GeocoderIndex.block(n, $0) } } ?? ""
            var closedAt = r.closedAt?.localSeconds
            if let c = r.closedAt, !c.hasTimeOfDay { closedAt = c.localSeconds + 86_400 }  // open through that day
            let request = DedupCase(id: i, serviceCode: r.serviceCode, requestedAt: r.requestedAt.localSeconds,
                                    dateOnly: !r.requestedAt.hasTimeOfDay, closedAt: closedAt, x: point?.x, y: point?.y,
                                    addressKey: addressKey, blockKey: blockKey, houseNumber: parsed.houseNumber,
                                    streetKey: parsed.streetKey, description: r.description)
            return Labelled(request: request, cityDuplicate: r.cityDuplicate,
                            cityParentID: r.cityParentID.isEmpty ? nil : ids[r.cityParentID],
                            parentOutsideData: !r.cityParentID.isEmpty && ids[r.cityParentID] == nil,
                            group: DedupDefaults.group(serviceName: r.serviceName))
        }
    }
}
