import SamespotCore
import Testing

/// The case's status machine, every transition and every refusal, without a database (the way
/// postgres-nio tests its connection state machines: input, state, expected action).
@Suite struct CaseLifecycleTests {
    // Friday 2026-11-27; Monday 2026-11-30 is a holiday in this calendar.
    static let friday = CivilDate(year: 2026, month: 11, day: 27)
    static let calendar = BusinessCalendar(holidays: [CivilDate(year: 2026, month: 11, day: 30)])
    static let lifecycle = CaseLifecycle(calendar: calendar, today: friday)
    static let streets = Assignment(department: "Streets")
    static let water = Assignment(department: "Water", staffID: 7)

    static func snapshot(_ status: CaseStatus, merged: Bool = false, expedited: Bool = false,
                         due: CivilDate? = CivilDate(year: 2026, month: 12, day: 8)) -> CaseSnapshot {
        CaseSnapshot(status: status, isMerged: merged, assignment: streets, respondDue: due, expedited: expedited)
    }

    /// Which statuses each action may start from, and where it leads.
    @Test(arguments: [
        (CaseAction.acknowledge(note: ""), [CaseStatus.open, .reopened], CaseStatus.acknowledged),
        (.startWork(note: ""), [.open, .acknowledged, .referred, .reopened], .inProgress),
        (.refer(to: water, note: "their main"), [.open, .acknowledged, .inProgress, .referred, .reopened], .referred),
        (.close(note: "filled"), [.open, .acknowledged, .inProgress, .referred, .reopened], .closed),
        (.cancel(reason: "private property"), [.open, .acknowledged, .inProgress, .referred, .reopened], .canceled),
        (.reopen(reason: "not really fixed"), [.closed, .canceled], .reopened),
    ])
    func statusActionsMoveFromTheirStatusesOnly(action: CaseAction, from allowed: [CaseStatus], to target: CaseStatus) throws {
        for status in CaseStatus.allCases {
            let snapshot = Self.snapshot(status, due: nil)
            // A referral to the department the case is with is refused on its own account.
            if allowed.contains(status) {
                let change = try Self.lifecycle.decide(action, for: snapshot)
                #expect(change.status == target, "\(action) from \(status)")
                #expect(change.statusChanged)
                #expect(change.closes == !target.isOpen)
                #expect(change.reopens == (target == .reopened))
            } else {
                #expect(throws: Refused.self, "\(action) from \(status)") { try Self.lifecycle.decide(action, for: snapshot) }
            }
        }
    }

    @Test func eachStatusChangeSendsItsLetterAndStampsWhatItMeans() throws {
        let received = Self.snapshot(.open)
        let ack = try Self.lifecycle.decide(.acknowledge(note: "on the list"), for: received)
        #expect(ack.letter == .acknowledgement && ack.acknowledges && ack.note == "on the list" && ack.action == "acknowledged")
        let work = try Self.lifecycle.decide(.startWork(note: ""), for: received)
        #expect(work.letter == nil && work.acknowledges)
        let referred = try Self.lifecycle.decide(.refer(to: Self.water, note: ""), for: received)
        #expect(referred.letter == .referral && referred.assignment == Self.water)
        let closed = try Self.lifecycle.decide(.close(note: "filled"), for: received)
        #expect(closed.letter == .resolution && closed.closes && closed.acknowledges)
        let canceled = try Self.lifecycle.decide(.cancel(reason: "  on private property "), for: received)
        #expect(canceled.letter == .resolution && canceled.note == "on private property")
    }

    @Test func reasonsAreRequiredWhereTheResidentIsToldThem() {
        for action in [CaseAction.cancel(reason: " "), .reopen(reason: ""), .setNewDate(CivilDate(year: 2026, month: 12, day: 15), reason: ""),
                       .expedite(reason: "\t")] {
            let status: CaseStatus = if case .reopen = action { .closed } else { .open }
            #expect(throws: Refused.self, "\(action)") { try Self.lifecycle.decide(action, for: Self.snapshot(status)) }
            do { _ = try Self.lifecycle.decide(action, for: Self.snapshot(status)) } catch {
                #expect(error.kind == .unprocessable)
                #expect(error.message.hasPrefix("give the reason"))
            }
        }
    }

    @Test func aMergedCaseFollowsItsParentAndRefusesEveryAction() {
        let actions: [CaseAction] = [.acknowledge(note: ""), .startWork(note: ""), .refer(to: Self.water, note: ""),
                                     .reassign(to: Self.water, note: ""), .close(note: ""), .cancel(reason: "x"),
                                     .setNewDate(CivilDate(year: 2026, month: 12, day: 15), reason: "x"), .expedite(reason: "x")]
        for action in actions {
            #expect(throws: Refused.conflict("this case follows the case it was merged into; act on that case, or unmerge this one first")) {
                try Self.lifecycle.decide(action, for: Self.snapshot(.open, merged: true))
            }
        }
    }

    @Test func reassignmentKeepsTheStatusAndNamesThePerson() throws {
        let change = try Self.lifecycle.decide(.reassign(to: Self.water, note: "their crew"), for: Self.snapshot(.inProgress))
        #expect(change.status == .inProgress && !change.statusChanged && change.letter == nil)
        #expect(change.assignment == Assignment(department: "Water", staffID: 7))
        #expect(throws: Refused.self) {
            try Self.lifecycle.decide(.reassign(to: Self.streets, note: ""), for: Self.snapshot(.inProgress))
        }
        #expect(throws: Refused.self) {
            try Self.lifecycle.decide(.reassign(to: Self.water, note: ""), for: Self.snapshot(.closed))
        }
    }

    @Test func aNewDateIsALaterBusinessDayWithAReason() throws {
        let due = CivilDate(year: 2026, month: 12, day: 8)
        let later = CivilDate(year: 2026, month: 12, day: 15)
        let change = try Self.lifecycle.decide(.setNewDate(later, reason: "parts on order"), for: Self.snapshot(.inProgress, due: due))
        #expect(change.respondDue == later && change.letter == .newDate && change.note == "parts on order")
        #expect(!change.statusChanged && change.status == .inProgress)
        for (date, message) in [
            (due, "the new date 2026-12-08 must be later than the date now due (2026-12-08)"),
            (Self.friday, "the new date 2026-11-27 must be after today (2026-11-27)"),
            (CivilDate(year: 2026, month: 12, day: 12), "2026-12-12 is not a business day (a weekend or one of the city's holidays)"),
        ] {
            #expect(throws: Refused.unprocessable(message)) {
                try Self.lifecycle.decide(.setNewDate(date, reason: "parts"), for: Self.snapshot(.inProgress, due: due))
            }
        }
        // The holiday is no business day either.
        #expect(throws: Refused.self) {
            try Self.lifecycle.decide(.setNewDate(CivilDate(year: 2026, month: 11, day: 30), reason: "parts"), for: Self.snapshot(.open, due: nil))
        }
    }

    @Test func expeditingBringsTheResponseForwardOnce() throws {
        // Friday, Monday a holiday: one business day ahead is Tuesday.
        let change = try Self.lifecycle.decide(.expedite(reason: "imminent harm: live wire"), for: Self.snapshot(.open))
        #expect(change.expedited && change.respondDue == CivilDate(year: 2026, month: 12, day: 1) && change.action == "expedited")
        // A due date already sooner is kept.
        let soon = CivilDate(year: 2026, month: 11, day: 27)
        #expect(try Self.lifecycle.decide(.expedite(reason: "press"), for: Self.snapshot(.open, due: soon)).respondDue == soon)
        #expect(throws: Refused.conflict("the case is already expedited")) {
            try Self.lifecycle.decide(.expedite(reason: "again"), for: Self.snapshot(.open, expedited: true))
        }
    }

    @Test func reopeningOwesANewResponseFromToday() throws {
        let change = try Self.lifecycle.decide(.reopen(reason: "not really fixed"), for: Self.snapshot(.closed))
        // Seven business days after Friday 27 November, Monday 30 a holiday: Wednesday 9 December.
        #expect(change.respondDue == CivilDate(year: 2026, month: 12, day: 9))
        #expect(change.letter == .acknowledgement && change.reopens && !change.closes)
    }

    @Test func refusalsSayWhatToDoInstead() {
        #expect(throws: Refused.conflict("the case is closed: close an open case only; reopen it first")) {
            try Self.lifecycle.decide(.close(note: ""), for: Self.snapshot(.closed))
        }
        #expect(throws: Refused.conflict("work on the case has already started")) {
            try Self.lifecycle.decide(.startWork(note: ""), for: Self.snapshot(.inProgress))
        }
        #expect(throws: Refused.conflict("the case is already with Streets")) {
            try Self.lifecycle.decide(.refer(to: Self.streets, note: ""), for: Self.snapshot(.open))
        }
    }
}

@Suite struct CaseFamilyTests {
    static func member(_ id: Int64, parent: Int64? = nil, code: String = "PHF", _ status: CaseStatus = .open) -> FamilyMember {
        FamilyMember(id: id, parent: parent, serviceCode: code, status: status, tracking: "SS-\(id)")
    }

    @Test func aMergeGoesUnderTheRootAndTakesItsStatus() throws {
        let plan = try CaseFamily.merge(Self.member(2, parent: 9), into: Self.member(1, .inProgress))
        #expect(plan == .init(childID: 2, rootID: 1, previousParent: 9, newStatus: .inProgress))
        #expect(try CaseFamily.merge(Self.member(2), into: Self.member(1)).newStatus == nil)
        // Tidying closed history is allowed.
        #expect(try CaseFamily.merge(Self.member(2, .closed), into: Self.member(1, .canceled)).newStatus == .canceled)
    }

    @Test(arguments: [
        (member(1), member(1), "SS-1 cannot be merged into itself (or into one of its own children)"),
        (member(2), member(1, parent: 5), "SS-1 is itself merged; merge into its parent"),
        (member(2, code: "GRAF"), member(1), "SS-2 is GRAF and SS-1 is PHF: only cases of one type merge"),
        (member(2, parent: 1), member(1), "SS-2 is already merged into SS-1"),
        (member(2), member(1, .closed), "SS-1 is closed and SS-2 is open: reopen SS-1 first, or keep SS-2 on its own"),
        (member(2, .closed), member(1), "SS-2 is closed and SS-1 is open: reopen SS-2 first"),
    ])
    func mergesThatWouldBreakTheFamilyAreRefused(child: FamilyMember, root: FamilyMember, message: String) {
        #expect(throws: Refused.conflict(message)) { try CaseFamily.merge(child, into: root) }
    }

    @Test func unmergeAndJoin() throws {
        #expect(try CaseFamily.unmerge(Self.member(2, parent: 1)) == 1)
        #expect(throws: Refused.conflict("SS-2 is not merged into another case")) { try CaseFamily.unmerge(Self.member(2)) }
        try CaseFamily.join(Self.member(1, .referred))
        #expect(throws: Refused.self) { try CaseFamily.join(Self.member(1, .canceled)) }
    }
}

@Suite struct RoutingAndDeadlineTests {
    @Test func theFirstMatchingRuleRoutesElseTheTypesDepartment() {
        let table = RoutingTable(rules: [
            RoutingRule(position: 20, group: "Streets", assignment: Assignment(department: "CDOT")),
            RoutingRule(position: 10, serviceCode: "PHF", ward: "42", assignment: Assignment(department: "Loop crew", staffID: 3)),
        ])
        #expect(table.route(serviceCode: "PHF", group: "Streets", ward: "42", typeDepartment: "Streets & San") == Assignment(department: "Loop crew", staffID: 3))
        #expect(table.route(serviceCode: "PHF", group: "Streets", ward: "1", typeDepartment: "Streets & San") == Assignment(department: "CDOT"))
        #expect(table.route(serviceCode: "GRAF", group: "Graffiti", ward: nil, typeDepartment: "Streets & San") == Assignment(department: "Streets & San"))
    }

    @Test func deadlinesCountBusinessDaysAndTypeOverrides() {
        let calendar = BusinessCalendar(holidays: [CivilDate(year: 2026, month: 12, day: 25)])
        let thursday = CivilDate(year: 2026, month: 12, day: 24)
        let city = ServiceStandard.city.deadlines(receivedOn: thursday, calendar: calendar)
        #expect(city.acknowledge == CivilDate(year: 2026, month: 12, day: 28))
        #expect(city.respond == CivilDate(year: 2027, month: 1, day: 5))
        let quick = ServiceStandard.city.overridden(acknowledge: nil, respond: 2)
        #expect(quick.deadlines(receivedOn: thursday, calendar: calendar).respond == CivilDate(year: 2026, month: 12, day: 29))
    }

    @Test func councilAndPressAreExpeditedAsTheyComeIn() {
        #expect(Expedite.reason(forChannel: "Council") == "from a council office")
        #expect(Expedite.reason(forChannel: "press") == "from the press")
        #expect(Expedite.reason(forChannel: "phone") == nil)
    }

    @Test func breachesAreAgainstTheEndOfTheDueDay() {
        let check = DeadlineCheck(acknowledgeDue: 100, acknowledgedAt: 101, respondDue: 500, closedAt: nil, now: 400)
        #expect(check.acknowledgeBreached && !check.respondBreached)
        let late = DeadlineCheck(acknowledgeDue: 100, acknowledgedAt: nil, respondDue: 500, closedAt: nil, now: 501)
        #expect(late.acknowledgeBreached && late.respondBreached)
        #expect(!DeadlineCheck(acknowledgeDue: nil, acknowledgedAt: nil, respondDue: nil, closedAt: nil, now: 1).respondBreached)
    }
}

@Suite struct TrackingNumberTests {
    @Test func prefixYearAndPaddedRunningNumber() {
        let numbers = TrackingNumber(prefix: "SS")
        // 2026-11-29T12:00:00Z and 2009-01-01T00:00:00Z
        #expect(numbers.format(42, at: 1_795_953_600) == "SS26-00000042")
        #expect(numbers.yearPrefix(at: 1_230_768_000) == "SS09-")
        #expect(numbers.format(123_456_789, at: 1_795_953_600) == "SS26-123456789")
    }
}
