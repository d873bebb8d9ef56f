import SamespotCore

/// The learned model's reasons for a merge, as intake answers and a case shows them: its
/// probability against the threshold, and each feature's part in the log-odds, largest first.
struct ModelReasons: Encodable {
    struct Reason: Encodable {
        var feature: String
        var value: Double
        var logOdds: Double
        enum CodingKeys: String, CodingKey { case feature, value, logOdds = "log_odds" }
    }

    var probability: Double
    var threshold: Double
    var baseLogOdds: Double
    var reasons: [Reason]
    enum CodingKeys: String, CodingKey { case probability, threshold, baseLogOdds = "base_log_odds", reasons }

    init(_ d: LearnedDedupDecision) {
        probability = d.probability
        threshold = d.threshold
        baseLogOdds = d.baseLogOdds
        reasons = d.strongest(d.contributions.count).map { Reason(feature: $0.feature, value: $0.value, logOdds: $0.logOdds) }
    }
}
