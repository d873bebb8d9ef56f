import Foundation
import SamespotCore
import SamespotTestSupport
import Testing

/// The learned duplicate scorer on a synthetic city whose practice is known: a repeat within two
/// days at the same spot is a duplicate, a report at the same spot weeks later is not.
@Suite struct LearnedDedupTests {
    static let day = 86_400.0

    static func history(seed: UInt64 = 42, days: Int = 300) -> [DedupEvaluation.Labelled] {
        SyntheticDedupHistory.rows(seed: seed, days: days)
    }

    static func fit(_ rows: [DedupEvaluation.Labelled], seed: UInt64) -> DedupModel {
        SyntheticDedupHistory.model(rows, seed: seed)
    }

    @Test func trainingIsDeterministicForASeed() {
        let rows = Self.history(days: 240)
        let first = Self.fit(rows, seed: 7)
        let again = Self.fit(rows, seed: 7)
        #expect(first == again)
        #expect(first.trees.trees.count == 40)
        let other = Self.fit(rows, seed: 8)
        #expect(other.trees != first.trees, "another seed samples other rows, so other trees")
    }

    /// Only the model reads a case's house number and street (its side-of-street features):
    /// intake and the matches parse each candidate's address for it, and for nothing else.
    @Test func onlyTheModelReadsStreets() {
        let type = ServiceType(code: "SCB", name: "Sanitation Code Violation",
                               rule: DedupRule(serviceCode: "SCB", radiusMetres: 50, windowDays: 7, matchUnit: .distance))
        var catalog = ServiceCatalog(types: [type], calendar: BusinessCalendar())
        #expect(!catalog.parentChooser(for: type).readsStreets)
        catalog.dedupModel = SyntheticDedupHistory.model(Self.history(days: 240), seed: 1, trees: 5)
        #expect(catalog.parentChooser(for: type).readsStreets)
        var handSet = type
        handSet.ruleIsHandSet = true
        #expect(!catalog.parentChooser(for: handSet).readsStreets, "a rule staff set by hand decides, not the model")

        let read = DedupCase(id: 1, serviceCode: "SCB", requestedAt: 0, dateOnly: false, closedAt: nil, x: nil, y: nil,
                             addressKey: "4853 S WOOD ST", blockKey: "4800 S WOOD ST").readingStreet()
        let parsed = AddressNormalizer.parse("4853 S WOOD ST")
        #expect(read.houseNumber == 4853 && parsed.houseNumber == 4853)
        #expect(read.streetKey == parsed.streetKey && !read.streetKey.isEmpty)
    }

    @Test func aSavedModelReloadsAndScoresIdentically() throws {
        let rows = Self.history(days: 240)
        let model = Self.fit(rows, seed: 3)
        let reloaded = try DedupModel.decode(try model.encoded())
        #expect(reloaded == model)
        var pool = DedupCandidatePool(limits: model.limits)
        var compared = 0
        for row in rows.prefix(3_000) {
            let candidates = pool.candidates(for: row.request)
            let a = model.probabilities(row.request, group: row.group, candidates: candidates)
            let b = reloaded.probabilities(row.request, group: row.group, candidates: candidates)
            #expect(a == b)
            compared += a.count
            pool.record(row.request, as: row.cityDuplicate ? .childOfUnknownParent : .root)
        }
        #expect(compared > 500)
    }

    @Test func aModelFromAnotherFeatureSetIsRefused() throws {
        let model = Self.fit(Self.history(days: 200), seed: 1)
        var text = String(decoding: try model.encoded(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"distanceMetres\"", with: "\"metres\"")
        #expect(throws: DedupModelError.self) { _ = try DedupModel.decode(Array(text.utf8)) }
        #expect(throws: DedupModelError.self) { _ = try DedupModel.decode(Array(#"{"trees": 1}"#.utf8)) }
    }

    @Test func contributionsAddUpToTheLogOdds() throws {
        let rows = Self.history(days: 200)
        let model = Self.fit(rows, seed: 5)
        var replay = LearnedDedupReplay(model: model)
        var checked = 0
        for row in rows {
            guard let d = replay.add(row.request, group: row.group).decision else { continue }
            let logOdds = d.baseLogOdds + d.contributions.map(\.logOdds).reduce(0, +)
            #expect(abs(1 / (1 + exp(-logOdds)) - d.probability) < 1e-9)
            checked += 1
        }
        #expect(checked > 500)
    }

    @Test func theModelLearnsThePracticeAndATypeWithoutHistoryBorrowsIt() throws {
        let rows = Self.history()
        let evaluation = LearnedDedupEvaluation(rows: rows, names: SyntheticDedupHistory.names,
                                                tuneFrom: 150 * Self.day, reportFrom: 225 * Self.day, bootstrapRounds: 50)
        let model = try #require(evaluation.pooled["model"])
        #expect(model.f1 > 0.95, "pooled F1 \(model.f1)")
        #expect(model.f1Interval.low <= model.f1 && model.f1 <= model.f1Interval.high)
        let naive = try #require(evaluation.pooled["naive"])
        #expect(model.f1 > naive.f1)
        // B is new (no report before day 225, the report period): its priors and threshold are its group's, and it merges.
        let b = try #require(evaluation.types.first { $0.serviceCode == "B" })
        #expect(b.labelled > 50)
        #expect(b.thresholdFrom == "group")
        #expect(try #require(b.scores["model"]).recall > 0.9)
        // The rules, fitted on the same earlier rows, fall back to B's hand rule instead of "off".
        #expect(b.fittedRule.contains("hand rule"))
        #expect(!b.fittedRule.hasPrefix("off"))
        #expect(evaluation.parentAgreement.comparable > 100)
        #expect(Double(evaluation.parentAgreement.agree) / Double(evaluation.parentAgreement.comparable) > 0.95)
    }

    @Test func typePriorsShrinkTowardTheGroupAndTheCity() {
        let counts = (0..<1_000).map { ("A", "lights", $0 % 4 == 0) } + (0..<2).map { _ in ("B", "lights", false) }
        let priors = DedupTypePriors(counts: counts.map { (type: $0.0, group: $0.1, duplicate: $0.2) }, strength: 50)
        let a = priors.rates(type: "A", group: "lights").type
        let b = priors.rates(type: "B", group: "lights").type
        #expect(abs(a - 0.25) < 0.01)
        #expect(b > 0.2, "two requests without a duplicate barely move B from its group's rate: \(b)")
        #expect(priors.rates(type: "NEW", group: "lights").type == priors.groupRate["lights"])
        #expect(priors.rates(type: "NEW", group: "unheard of").type == priors.cityRate)
    }

    @Test func treesLearnAnInteraction() {
        // y = (a > 0.5) XOR (b > 0.5): no single feature says anything; depth 2 does.
        var random = SplitMix64(seed: 9)
        var rows: [[Double]] = [], labels: [Bool] = []
        for _ in 0..<4_000 {
            let a = Double(random.next() % 1000) / 1000, b = Double(random.next() % 1000) / 1000
            rows.append([a, b, Double(random.next() % 7)])
            labels.append((a > 0.5) != (b > 0.5))
        }
        var parameters = GradientBoostedTrees.Parameters()
        parameters.trees = 60
        let model = GradientBoostedTrees.fit(rows: rows, labels: labels, parameters: parameters)
        let correct = zip(rows, labels).filter { (model.probability($0) > 0.5) == $1 }.count
        #expect(Double(correct) / Double(rows.count) > 0.97)
    }
}
