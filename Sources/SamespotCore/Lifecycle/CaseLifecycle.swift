/// Who answers a case: a department and, once someone takes it, the person responsible
/// (the standards ask that the "agency personnel responsible" show in the case's status).
public struct Assignment: Sendable, Equatable, Hashable, Codable {
    public var department: String
    public var staffID: Int64?

    public init(department: String, staffID: Int64? = nil) {
        self.department = department
        self.staffID = staffID
    }
}

/// What staff (or a resident, for a reopen) ask to do to one case.
public enum CaseAction: Sendable, Equatable {
    case acknowledge(note: String)
    case startWork(note: String)
    /// Sent to another department or agency, named in the resident's letter.
    case refer(to: Assignment, note: String)
    case reassign(to: Assignment, note: String)
    /// Done: the resident is thanked and told what was done.
    case close(note: String)
    /// Closed without the work: the reason is required and goes to the resident.
    case cancel(reason: String)
    /// "Not really fixed": the reason is required.
    case reopen(reason: String)
    /// The response cannot be given by the date due: a later business day, with the reason.
    case setNewDate(CivilDate, reason: String)
    /// Imminent harm, or from council or the press: answered first, listed for the city manager.
    case expedite(reason: String)
}

/// The letters the city sends a resident as their case moves (each rendered from an admin's
/// template into the outbox, for every resident of the case's family).
public enum LetterKind: String, Sendable, CaseIterable, Codable {
    case acknowledgement
    case referral
    case newDate = "new_date"
    case resolution
}

/// What the lifecycle needs to know of a case to decide an action.
public struct CaseSnapshot: Sendable, Equatable {
    public var status: CaseStatus
    /// Merged into another case: it follows that case and is not worked on its own.
    public var isMerged: Bool
    public var assignment: Assignment
    /// The last day the substantive response is due (its end, in the city's time).
    public var respondDue: CivilDate?
    public var expedited: Bool
    /// The type's standard (per-type overrides of the city's).
    public var standard: ServiceStandard

    public init(status: CaseStatus, isMerged: Bool = false, assignment: Assignment, respondDue: CivilDate?,
                expedited: Bool = false, standard: ServiceStandard = .city) {
        self.status = status; self.isMerged = isMerged; self.assignment = assignment; self.respondDue = respondDue
        self.expedited = expedited; self.standard = standard
    }
}

/// What the lifecycle decided: the store writes exactly this, for the case and (for a status)
/// for every child that follows it.
public struct CaseChange: Sendable, Equatable {
    public var status: CaseStatus
    /// A new row in the status history (false for a reassignment or a new date alone).
    public var statusChanged: Bool
    public var assignment: Assignment
    public var respondDue: CivilDate?
    /// Stamps `acknowledged_at` when it is not set yet.
    public var acknowledges: Bool
    /// Stamps `closed_at`.
    public var closes: Bool
    /// Clears `closed_at`.
    public var reopens: Bool
    public var expedited: Bool
    /// The note of the history row: what was done, or why.
    public var note: String
    /// The letter to every resident of the family, if any.
    public var letter: LetterKind?
    /// The audit log's name for it.
    public var action: String
}

/// The case's status machine, as pure values: the rules every staff action obeys, decided
/// without a database (and unit-tested that way). The store persists what it decides.
///
///     received ─┬─ acknowledged ─┬─ in progress ─┬─ closed ──┐
///               │                │               ├─ canceled ─┤
///               └──── referred ◀─┴───────────────┘            │
///     reopened ◀──────────────────────────────────────────────┘  (with a reason)
///
/// Any open status may be referred, closed or canceled; reopened behaves as received.
public struct CaseLifecycle: Sendable {
    public var calendar: BusinessCalendar
    /// The city's day when the action is taken.
    public var today: CivilDate

    public init(calendar: BusinessCalendar, today: CivilDate) {
        self.calendar = calendar
        self.today = today
    }

    public func decide(_ action: CaseAction, for snapshot: CaseSnapshot) throws(Refused) -> CaseChange {
        if snapshot.isMerged {
            throw .conflict("this case follows the case it was merged into; act on that case, or unmerge this one first")
        }
        var change = CaseChange(
            status: snapshot.status, statusChanged: false, assignment: snapshot.assignment, respondDue: snapshot.respondDue,
            acknowledges: false, closes: false, reopens: false, expedited: snapshot.expedited, note: "", letter: nil, action: "")
        let current = snapshot.status

        func requireOpen(_ what: String) throws(Refused) {
            guard current.isOpen else { throw .conflict("the case is \(current.label): \(what) an open case only; reopen it first") }
        }
        func requireReason(_ reason: String, _ what: String) throws(Refused) -> String {
            let trimmed = reason.trimmingASCIIWhitespace()
            guard !trimmed.isEmpty else { throw .unprocessable("give the reason \(what): the resident is told it") }
            return trimmed
        }
        func move(to status: CaseStatus, note: String, action: String) {
            change.status = status
            change.statusChanged = true
            change.note = note
            change.action = action
        }

        switch action {
        case .acknowledge(let note):
            guard current == .open || current == .reopened else {
                throw .conflict("the case is \(current.label): only a received or reopened case is acknowledged")
            }
            move(to: .acknowledged, note: note, action: "acknowledged")
            change.acknowledges = true
            change.letter = .acknowledgement

        case .startWork(let note):
            guard current.isOpen, current != .inProgress else {
                throw .conflict(current == .inProgress ? "work on the case has already started"
                                                       : "the case is \(current.label): reopen it before starting work")
            }
            move(to: .inProgress, note: note, action: "work_started")
            change.acknowledges = true

        case .refer(let to, let note):
            try requireOpen("refer")
            guard to != snapshot.assignment else { throw .conflict("the case is already with \(Self.name(to))") }
            move(to: .referred, note: note, action: "referred")
            change.assignment = to
            change.acknowledges = true
            change.letter = .referral

        case .reassign(let to, let note):
            try requireOpen("reassign")
            guard to != snapshot.assignment else { throw .conflict("the case is already with \(Self.name(to))") }
            change.assignment = to
            change.note = note
            change.action = "reassigned"

        case .close(let note):
            try requireOpen("close")
            move(to: .closed, note: note, action: "closed")
            change.acknowledges = true
            change.closes = true
            change.letter = .resolution

        case .cancel(let reason):
            try requireOpen("cancel")
            let why = try requireReason(reason, "the request cannot be met")
            move(to: .canceled, note: why, action: "canceled")
            change.acknowledges = true
            change.closes = true
            change.letter = .resolution

        case .reopen(let reason):
            guard !current.isOpen else { throw .conflict("the case is \(current.label), not closed: there is nothing to reopen") }
            let why = try requireReason(reason, "the case is reopened")
            move(to: .reopened, note: why, action: "reopened")
            change.reopens = true
            // A reopened case is owed a new response, counted from today.
            change.respondDue = calendar.dueDate(after: today, businessDays: snapshot.standard.respondBusinessDays)
            change.letter = .acknowledgement

        case .setNewDate(let date, let reason):
            try requireOpen("set a new date for")
            let why = try requireReason(reason, "the response cannot be given by the date due")
            guard date > today else { throw .unprocessable("the new date \(date) must be after today (\(today))") }
            if let due = snapshot.respondDue, date <= due {
                throw .unprocessable("the new date \(date) must be later than the date now due (\(due))")
            }
            guard calendar.isBusinessDay(date) else {
                throw .unprocessable("\(date) is not a business day (a weekend or one of the city's holidays)")
            }
            change.respondDue = date
            change.note = why
            change.action = "new_date"
            change.letter = .newDate

        case .expedite(let reason):
            try requireOpen("expedite")
            guard !snapshot.expedited else { throw .conflict("the case is already expedited") }
            let why = try requireReason(reason, "the case is expedited")
            change.expedited = true
            change.note = why
            change.action = "expedited"
            let sooner = calendar.dueDate(after: today, businessDays: snapshot.standard.expeditedRespondBusinessDays)
            if let due = snapshot.respondDue { change.respondDue = min(due, sooner) } else { change.respondDue = sooner }
        }
        return change
    }

    static func name(_ assignment: Assignment) -> String {
        assignment.staffID.map { "\(assignment.department) (staff \($0))" } ?? assignment.department
    }
}
