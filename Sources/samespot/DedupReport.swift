import Foundation
import SamespotCore

/// `samespot eval dedup`'s report, as text for a person and as JSON for a notebook or a CI check.
struct DedupReportDocument: Encodable {
    /// Fitted before `tuneFrom`, thresholds from it to `reportFrom`, scored after.
    struct Period: Encodable {
        var tuneFrom: String
        var reportFrom: String
    }

    struct Row: Encodable {
        var id: String
        var type: String
        var created: String
        var address: String
        var description: String
    }

    struct Mistake: Encodable {
        var kind: String
        var request: Row
        var parent: Row?
        var probability: Double
        var threshold: Double
        var strongest: [LearnedDedupDecision.Contribution]
    }

    var files: [String]
    var periods: Period
    var rows: Int
    var reportedRows: Int
    var pairs: String
    var seconds: Double
    var pooled: [String: LearnedDedupEvaluation.Score]
    var pooledParentsInData: [String: LearnedDedupEvaluation.Score]?
    var parentsOutsideData: Int
    var types: [LearnedDedupEvaluation.TypeReport]
    var parentAgreement: [String: Int]
    var mistakes: [Mistake]

    init(evaluation: LearnedDedupEvaluation, rows labelled: [DedupEvaluation.Labelled], records: [CityRequestRecord],
         files: [String], tuneFrom: Double, reportFrom: Double, seconds: Double) {
        let ordered = DedupEvaluation.timeOrdered(records)
        func row(_ i: Int) -> Row {
            let r = ordered[i]
            return Row(id: r.serviceRequestID, type: r.serviceCode, created: r.requestedAt.isoLocal, address: r.address, description: r.description)
        }
        self.files = files
        periods = Period(tuneFrom: Self.day(tuneFrom), reportFrom: Self.day(reportFrom))
        rows = labelled.count
        reportedRows = evaluation.reportedRows
        pairs = evaluation.model.provenance["pairs"] ?? "?"
        self.seconds = seconds
        pooled = evaluation.pooled
        pooledParentsInData = evaluation.pooledParentsInData
        parentsOutsideData = evaluation.parentsOutsideData
        types = evaluation.types
        parentAgreement = ["agree": evaluation.parentAgreement.agree, "comparable": evaluation.parentAgreement.comparable]
        mistakes = evaluation.mistakes.map { m in
            Mistake(kind: m.kind, request: row(m.row), parent: m.parentRow.map(row), probability: m.probability,
                    threshold: m.threshold, strongest: m.strongest)
        }
    }

    static func day(_ localSeconds: Double) -> String {
        CivilDate(dayNumber: Int((localSeconds / 86_400).rounded(.down))).description
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    func text() -> String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        func score(_ s: LearnedDedupEvaluation.Score?) -> String {
            guard let s else { return "-" }
            return "\(f(s.f1)) [\(f(s.f1Interval.low))–\(f(s.f1Interval.high))]"
        }
        let methods = LearnedDedupEvaluation.Method.allCases.map(\.rawValue)
        var out: [String] = []
        out.append("fitted before \(periods.tuneFrom), thresholds \(periods.tuneFrom) to \(periods.reportFrom), scored from \(periods.reportFrom): \(reportedRows) of \(rows) rows; \(pairs) pairs; \(String(format: "%.1f", seconds)) s")
        out.append("F1 with bootstrap 95 % intervals")
        out.append((["type", "rows", "dups", "threshold"] + methods + ["fitted rule", "hand rule"]).joined(separator: "\t"))
        for t in types where t.labelled > 0 || (t.scores["model"]?.falsePositives ?? 0) > 0 {
            out.append(([t.serviceCode, "\(t.rows)", "\(t.labelled)", "\(f(t.threshold)) (\(t.thresholdFrom))"]
                + methods.map { score(t.scores[$0]) } + [t.fittedRule, t.handRule]).joined(separator: "\t"))
        }
        out.append((["pooled", "\(reportedRows)", "\(pooled["model"].map { $0.truePositives + $0.falseNegatives } ?? 0)", ""]
            + methods.map { score(pooled[$0]) }).joined(separator: "\t"))
        for m in methods {
            guard let s = pooled[m] else { continue }
            out.append("\(m): P \(f(s.precision)) [\(f(s.precisionInterval.low))–\(f(s.precisionInterval.high))] R \(f(s.recall)) [\(f(s.recallInterval.low))–\(f(s.recallInterval.high))] F1 \(score(s))")
        }
        if let inData = pooledParentsInData {
            out.append("leaving out the \(parentsOutsideData) duplicates whose parent was filed before the data starts: "
                + methods.map { "\($0) \(score(inData[$0]))" }.joined(separator: "; "))
        }
        out.append("model's parent is the city's family: \(parentAgreement["agree"] ?? 0) of \(parentAgreement["comparable"] ?? 0) merges whose city parent is in the data")
        if !mistakes.isEmpty { out.append("most confident mistakes:") }
        for m in mistakes {
            let why = m.strongest.map { "\($0.feature)=\(String(format: "%g", $0.value)) \($0.logOdds >= 0 ? "+" : "")\(String(format: "%.2f", $0.logOdds))" }.joined(separator: ", ")
            let parent = m.parent.map { " → \($0.id) \($0.created) \($0.address)" } ?? " (no open request of its type nearby)"
            out.append("  \(m.kind) p=\(f(m.probability)) (cut \(f(m.threshold))): \(m.request.id) \(m.request.type) \(m.request.created) \(m.request.address)\(parent); \(why)")
        }
        return out.joined(separator: "\n")
    }
}
