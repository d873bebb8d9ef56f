import SamespotCore
import Testing

@Suite struct DedupTests {
    static let day = 86_400.0

    static func request(_ id: Int, at t: Double, x: Double? = 0, y: Double? = 0, address: String = "100 N STATE ST",
                        block: String = "100 N STATE ST", dateOnly: Bool = false, closedAt: Double? = nil,
                        type: String = "PHF") -> DedupCase {
        DedupCase(id: id, serviceCode: type, requestedAt: t, dateOnly: dateOnly, closedAt: closedAt,
                  x: x, y: y, addressKey: address, blockKey: block)
    }

    @Test func distanceRuleTakesTheNearestOpenCaseWithinRadiusAndWindow() throws {
        let rule = DedupRule(serviceCode: "PHF", radiusMetres: 50, windowDays: 14, matchUnit: .distance)
        let near = Self.request(1, at: 0, x: 30, y: 0, address: "")
        let nearer = Self.request(2, at: 0, x: 10, y: 0, address: "")
        let far = Self.request(3, at: 0, x: 80, y: 0, address: "")
        let new = Self.request(9, at: Self.day, x: 0, y: 0, address: "")
        let d = try #require(DedupScorer.decide(new, candidates: [near, nearer, far], rule: rule))
        #expect(d.parentID == 2)
        #expect(d.distanceMetres == 10)
        #expect(d.ageSeconds == Self.day)
        // 0.5·(1 − 10/50) + 0.3·(1 − 1/14)
        #expect(abs(d.score - (0.5 * 0.8 + 0.3 * (1 - 1.0 / 14))) < 1e-12)
    }

    @Test func closedOldOtherTypeAndLaterCasesNeverParent() {
        let rule = DedupRule(serviceCode: "PHF", radiusMetres: 50, windowDays: 7, matchUnit: .distance)
        let new = Self.request(9, at: 10 * Self.day)
        let closed = Self.request(1, at: 9 * Self.day, closedAt: 9.5 * Self.day)
        let old = Self.request(2, at: 2 * Self.day)
        let otherType = Self.request(3, at: 9 * Self.day, type: "GRAF")
        let later = Self.request(4, at: 11 * Self.day)
        #expect(DedupScorer.decide(new, candidates: [closed, old, otherType, later], rule: rule) == nil)
    }

    @Test func addressAndBlockUnits() throws {
        let address = DedupRule(serviceCode: "PHF", radiusMetres: 0, windowDays: 7, matchUnit: .address)
        let block = DedupRule(serviceCode: "PHF", radiusMetres: 200, windowDays: 7, matchUnit: .block)
        let parent = Self.request(1, at: 0, x: 0, y: 0, address: "110 N STATE ST", block: "100 N STATE ST")
        let sameBlock = Self.request(2, at: 100, x: 60, y: 0, address: "150 N STATE ST", block: "100 N STATE ST")
        #expect(DedupScorer.decide(sameBlock, candidates: [parent], rule: address) == nil)
        let d = try #require(DedupScorer.decide(sameBlock, candidates: [parent], rule: block))
        #expect(d.sameBlock && !d.sameAddress)
        let nextBlock = Self.request(3, at: 100, x: 90, y: 0, address: "200 N STATE ST", block: "200 N STATE ST")
        #expect(DedupScorer.decide(nextBlock, candidates: [parent], rule: block) == nil)
    }

    @Test func sameDayDateOnlyRequestsCountAsEarlierByArrival() throws {
        // Two requests dated the same day, no time: the first to arrive is the parent, age 0.
        let rule = DedupRule(serviceCode: "PHF", radiusMetres: 0, windowDays: 3, matchUnit: .address)
        let first = Self.request(1, at: 5 * Self.day, dateOnly: true)
        let second = Self.request(2, at: 5 * Self.day, dateOnly: true)
        let d = try #require(DedupScorer.decide(second, candidates: [first], rule: rule))
        #expect(d.parentID == 1 && d.ageSeconds == 0)
    }

    @Test func disabledRuleMergesNothing() {
        let new = Self.request(2, at: 1)
        #expect(DedupScorer.decide(new, candidates: [Self.request(1, at: 0)], rule: .disabled("PHF")) == nil)
    }

    @Test func replayMakesChildrenOfTheFamilyRootOnly() {
        let rule = DedupRule(serviceCode: "PHF", radiusMetres: 50, windowDays: 7, matchUnit: .distance)
        var replay = DedupReplay(rules: { _ in rule })
        #expect(replay.add(Self.request(0, at: 0, x: 0)) == nil)
        #expect(replay.add(Self.request(1, at: 10, x: 40))?.parentID == 0)
        // 70 m from the root but 30 m from the child: children do not parent, so it is new.
        #expect(replay.add(Self.request(2, at: 20, x: 70)) == nil)
        #expect(replay.add(Self.request(3, at: 30, x: 5))?.parentID == 0)
    }

    @Test func scoreCountsPrecisionRecallF1() {
        var s = DuplicateScore()
        for (p, a) in [(true, true), (true, true), (true, false), (false, true), (false, false)] { s.count(predicted: p, actual: a) }
        #expect(s.precision == 2.0 / 3.0)
        #expect(s.recall == 2.0 / 3.0)
        #expect(abs(s.f1 - 2.0 / 3.0) < 1e-12)
    }

    @Test func evaluationFitsOnEarlierRowsAndBeatsNaiveWhereRadiusMatters() {
        // Reports 20 m apart at different house numbers, a day apart: the naive same-address rule
        // misses them; a fitted distance rule finds them.
        var rows: [DedupEvaluation.Labelled] = []
        var id = 0
        for spot in 0..<40 {
            let base = Double(spot) * 30 * Self.day
            let x = Double(spot) * 1_000
            rows.append(.init(request: Self.request(id, at: base, x: x, address: "\(spot)00 N A ST"), cityDuplicate: false, cityParentID: nil))
            id += 1
            rows.append(.init(request: Self.request(id, at: base + Self.day, x: x + 20, address: "\(spot)02 N A ST"),
                              cityDuplicate: true, cityParentID: id - 1))
            id += 1
        }
        let cutoff = 20 * 30 * Self.day
        let evaluation = DedupEvaluation(rows: rows, isReported: { $0.request.requestedAt >= cutoff })
        guard let result = evaluation.results.first else { Issue.record("no result"); return }
        #expect(result.rule.matchUnit != .address)
        #expect(result.engine.f1 == 1)
        #expect(result.naive.f1 == 0)
        #expect(result.parentAgreement.agree == 20 && result.parentAgreement.comparable == 20)
    }
}

@Suite struct DedupDefaultsTests {
    @Test(arguments: [
        ("Pothole in Street Complaint", DedupRule.MatchUnit.block, 60.0, true),
        ("Traffic Signal Out Complaint", .distance, 46, true),
        ("Garbage Cart Maintenance", .address, 0, true),
        ("Street Light Out Complaint", .distance, 50, true),
        ("311 INFORMATION ONLY CALL", .address, 0, false),
        ("Graffiti Removal Request", .distance, 25, true),
    ])
    func defaultsFollowWhatTheTypeIsAbout(name: String, unit: DedupRule.MatchUnit, radius: Double, enabled: Bool) {
        let rule = DedupDefaults.rule(serviceCode: "X", serviceName: name)
        #expect(rule.matchUnit == unit)
        #expect(rule.radiusMetres == radius)
        #expect(rule.enabled == enabled)
    }
}
