import SamespotCore

/// A seeded 311 history whose duplicate practice is known: a repeat within two days at the same
/// spot is a duplicate, a report at a spot weeks later is not. For the learned scorer's tests.
public enum SyntheticDedupHistory {
    /// A and B are lights (one group), C is graffiti (another).
    public static let names = ["A": "Street Light Out", "B": "Alley Light Out", "C": "Graffiti Removal"]

    /// `days` of 24 reports a day over 600 spots 120 m apart. Type B is new: the city starts
    /// taking it on day `bStarts` (after the fitting period), and it behaves as A does.
    public static func rows(seed: UInt64 = 42, days: Int = 300, bStarts: Int = 225) -> [DedupEvaluation.Labelled] {
        let day = 86_400.0
        var random = SplitMix64(seed: seed)
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        struct Open { var id: Int; var spot: Int; var type: String; var at: Double; var closes: Double }
        var rows: [DedupEvaluation.Labelled] = []
        var open: [Open] = []
        for d in 0..<days {
            for k in 0..<24 {
                let t = Double(d) * day + Double(k) * 3_600 + uniform() * 1_800
                var type = ["A", "A", "B", "C"][Int(random.next() % 4)]
                if type == "B", d < bStarts { type = "A" }
                open.removeAll { $0.closes <= t }
                let recent = open.filter { $0.type == type && t - $0.at < 2 * day }
                let canRepeat = !recent.isEmpty
                let id = rows.count
                var spot = Int(random.next() % 600)
                var parent: Int?
                if canRepeat, uniform() < 0.35 {
                    let root = recent[Int(random.next() % UInt64(recent.count))]
                    spot = root.spot
                    parent = root.id
                }
                let x = Double(spot % 30) * 120 + uniform() * 15
                let y = Double(spot / 30) * 120
                let number = 100 + spot
                let request = DedupCase(id: id, serviceCode: type, requestedAt: t, dateOnly: false, closedAt: t + 5 * day,
                                        x: x, y: y, addressKey: "\(number) N TEST ST", blockKey: "\(number / 100 * 100) N TEST ST",
                                        houseNumber: number, streetKey: "N TEST")
                rows.append(.init(request: request, cityDuplicate: parent != nil, cityParentID: parent,
                                  group: DedupDefaults.group(serviceName: names[type]!)))
                if parent == nil { open.append(Open(id: id, spot: spot, type: type, at: t, closes: t + 5 * day)) }
            }
        }
        return rows
    }

    /// A model fitted on it (240 days unless `history` is given): trees before day 150,
    /// thresholds on days 150–225.
    public static func model(_ history: [DedupEvaluation.Labelled]? = nil, seed: UInt64 = 1, trees: Int = 40) -> DedupModel {
        var parameters = GradientBoostedTrees.Parameters()
        parameters.trees = trees
        parameters.seed = seed
        let day = 86_400.0
        return DedupModelTraining.fit(history ?? rows(days: 240), fit: { $0.request.requestedAt < 150 * day },
                                      tune: { $0.request.requestedAt >= 150 * day && $0.request.requestedAt < 225 * day },
                                      parameters: parameters)
    }
}
