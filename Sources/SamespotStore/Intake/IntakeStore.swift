import Crypto
import Foundation
import Logging
import Metrics
import PostgresNIO
import SamespotCore
import Synchronization

/// A request ready to be stored: located, keyed, placed in every ward set, with its type's rule.
public struct PreparedIntake: Sendable {
    public var serviceCode: String
    public var description: String
    public var channel: String
    public var requester: Requester?
    public var address: String
    /// The address point it was found at, when it was (Open311 `address_id`).
    public var addressID: Int64?
    public var addressKey: String
    public var blockKey: String
    public var longitude: Double?
    public var latitude: Double?
    public var precision: LocationPrecision
    /// Metres on the city's grid; nil when the location is not precise enough to merge.
    public var x: Double?
    public var y: Double?
    /// The ward of the point in each boundary set (nil: outside every ward of that set).
    public var wards: [(setID: Int, ward: String?)]
    /// Answers to the type's Open311 questions, already checked against its definition.
    public var attributes: [String: [String]]
    public var mediaURL: String
    /// The type's rule in force (from the catalog).
    public var rule: DedupRule
    /// Who took the request, for the history and the audit log (never a resident's name).
    public var actor: String
    /// Where the routing table sent it.
    public var assignment: Assignment
    /// The type's starting priority and deadlines.
    public var priority: Int
    public var standard: ServiceStandard
    /// Why it is expedited from the start (from council or the press); nil when it is not.
    public var expediteReason: String?
    /// The caller's Idempotency-Key, if it sent one.
    public var idempotency: IdempotencyClaim?
    /// A photo the caller sent with the request, kept with the case (in its transaction).
    public var photo: IntakePhoto?

    /// Encodable for intake's write, which reads it from its JSON input (`IntakeRow`).
    public struct Requester: Sendable, Encodable {
        public var firstName: String, lastName: String, email: String, phone: String
        /// For letters by post, and the channel the resident asked for ('' for the usual order).
        public var postalAddress: String, preferredContact: String
        enum CodingKeys: String, CodingKey {
            case firstName = "first_name", lastName = "last_name", email, phone, postalAddress = "postal_address"
            case preferredContact = "preferred_contact"
        }
        public init(firstName: String, lastName: String, email: String, phone: String, postalAddress: String = "", preferredContact: String = "") {
            self.firstName = firstName; self.lastName = lastName; self.email = email; self.phone = phone
            self.postalAddress = postalAddress; self.preferredContact = preferredContact
        }
    }

    public init(serviceCode: String, description: String, channel: String, requester: Requester?, address: String,
                addressID: Int64? = nil, addressKey: String, blockKey: String, longitude: Double?, latitude: Double?,
                precision: LocationPrecision, x: Double?, y: Double?, wards: [(setID: Int, ward: String?)],
                attributes: [String: [String]] = [:], mediaURL: String = "", rule: DedupRule, actor: String = "intake",
                assignment: Assignment = Assignment(department: ""), priority: Int = 0, standard: ServiceStandard = .city) {
        self.serviceCode = serviceCode; self.description = description; self.channel = channel
        self.requester = requester; self.address = address; self.addressID = addressID
        self.addressKey = addressKey; self.blockKey = blockKey
        self.longitude = longitude; self.latitude = latitude; self.precision = precision
        self.x = x; self.y = y; self.wards = wards
        self.attributes = attributes; self.mediaURL = mediaURL; self.rule = rule; self.actor = actor
        self.assignment = assignment; self.priority = priority; self.standard = standard
    }
}

/// A photo sent with a request (an Open311 app's `media`), kept as a document of the new case:
/// staff see it with the case. Its type is read from its bytes, not from what the app claimed.
public struct IntakePhoto: Sendable {
    public var fileName: String
    public var contentType: String
    public var bytes: [UInt8]
    public init(fileName: String, contentType: String, bytes: [UInt8]) {
        self.fileName = fileName; self.contentType = contentType; self.bytes = bytes
    }
    /// Its SHA-256, as the case keeps it: part of an Idempotency-Key's fingerprint.
    public var sha256: [UInt8] { Array(SHA256.hash(data: bytes)) }
}

/// What intake stored: the new case's ids and, when merged, its parent and the reasons.
public struct IntakeOutcome: Sendable {
    public var requestID: Int64
    public var serviceRequestID: String
    /// The Open311 token the client can look the request up by.
    public var token: String
    public var parentRequestID: Int64?
    public var parentServiceRequestID: String?
    public var decision: DedupDecision?
    public var rule: DedupRule
    /// An earlier request with the same Idempotency-Key stored this case: nothing new was stored.
    public var replayed = false
}

/// A caller's Idempotency-Key, scoped to the caller, with a fingerprint of what it asked.
public struct IdempotencyClaim: Sendable, Equatable {
    /// "<scope>:<key>": two callers' keys never meet.
    public var key: String
    /// The request as intake read it, canonical: the same key with another request is refused.
    public var fingerprint: String

    public init(scope: String, key: String, fingerprint: String) {
        self.key = "\(scope):\(key)"
        self.fingerprint = fingerprint
    }

    var hash: [UInt8] { Array(SHA256.hash(data: Array(fingerprint.utf8))) }
}

/// Stores a new request and decides, in the same transaction, whether it is a duplicate.
///
/// Why this is safe with many instances: before reading candidates, the transaction takes
/// `pg_advisory_xact_lock` on every 250 m cell its rule's radius reaches (and on its address and
/// block keys), for its service type, in ascending key order (so two transactions never wait on
/// each other in a cycle). A second request for the same spot waits on the lock until the first
/// commits; READ COMMITTED gives its next statement a fresh snapshot, so it sees the first case
/// and merges into it. Exactly one parent, whatever the number of instances; requests for other
/// spots or types take other locks and do not wait. SERIALIZABLE with retries would also be
/// correct, but would abort and redo whole intakes under the bursts this is meant for.
///
/// Round trips are few on purpose (intake is the hot path). Intake first tries the whole of it in
/// one statement, which takes the locks, reads the candidates and stores the case only when
/// there is none (`WriteCases<LoneCases>`): a report with no open case of its type near. Reports
/// that arrive together share that statement (`LoneCaseWriter`). When it
/// stores nothing, the transaction decides: BEGIN, the locks with the clock and the candidates,
/// the parent's row lock when there is a parent, one statement that writes everything, COMMIT.
/// Each statement is prepared once per connection.
public struct IntakeStore: Sendable {
    public static let lockCellMetres = 250.0
    public let database: Database
    public let city: CitySettings
    public let tracking: TrackingNumber
    private let days = IntakeDays()
    private let loneCases: LoneCaseWriter

    public init(database: Database, city: CitySettings, tracking: TrackingNumber = TrackingNumber()) {
        self.database = database
        self.city = city
        self.tracking = tracking
        self.loneCases = LoneCaseWriter(database: database, timeZone: city.timeZone)
    }

    public static func cell(x: Double, y: Double) -> (Int64, Int64) {
        (Int64((x / lockCellMetres).rounded(.down)), Int64((y / lockCellMetres).rounded(.down)))
    }

    public static func cellID(_ c: (Int64, Int64)) -> Int64 { c.0 << 32 ^ (c.1 & 0xFFFF_FFFF) }

    /// The cells within `radius` metres of a point, as stored in `grid_cell`.
    public static func cells(around x: Double, _ y: Double, radius: Double) -> [Int64] {
        let reach = Int64((radius / lockCellMetres).rounded(.up))
        let c = cell(x: x, y: y)
        var cells: [Int64] = []
        for dx in -reach...reach { for dy in -reach...reach { cells.append(cellID((c.0 + dx, c.1 + dy))) } }
        return cells
    }

    /// `choose` picks the parent among the candidates the locks protect (the type's rule or the
    /// city's model: `ServiceCatalog.parentChooser`), passed in by the service, so the store only persists.
    ///
    /// `clock` is this process's guess of PostgreSQL's clock, for the one-statement try (a test
    /// gives another to see the guard refuse a wrong one).
    ///
    /// `likelyAlone` is the caller's guess, from the cases in memory, that no case could be its
    /// parent: false skips the one-statement try, which would store nothing.
    public func insert(_ intake: PreparedIntake, calendar: BusinessCalendar, choose: ParentChooser,
                       clock: Double = Date().timeIntervalSince1970, likelyAlone: Bool = true) async throws -> IntakeOutcome {
        if likelyAlone, let stored = try await insertAlone(intake, calendar: calendar, guessedNow: clock) {
            Self.singleStatement.increment()
            return stored
        }
        Self.transactions.increment()
        return try await database.transaction { tx in try await insert(intake, calendar: calendar, choose: choose, on: tx) }
    }

    /// Intakes stored by the one statement, and those the transaction took (a candidate near, a
    /// photo, an Idempotency-Key seen before, the day's turn): the share tells what the first try costs.
    static let singleStatement = Counter(label: "samespot_intake_stored_total", dimensions: [("by", "single_statement")])
    static let transactions = Counter(label: "samespot_intake_stored_total", dimensions: [("by", "transaction")])

    /// The case stored in one statement when no case could be its parent (`WriteCases<LoneCases>`,
    /// with the other reports waiting to be written: `LoneCaseWriter`); nil when that statement
    /// stored nothing and the transaction must decide. Its deadlines and tracking year are
    /// computed from `guessedNow`, and the statement stores only if PostgreSQL's clock, read
    /// after the locks, is in the same day and year.
    private func insertAlone(_ intake: PreparedIntake, calendar: BusinessCalendar, guessedNow: Double) async throws -> IntakeOutcome? {
        // A photo is a second statement in the case's transaction.
        guard intake.photo == nil, let day = days.day(at: guessedNow, timeZone: city.timeZone, tracking: tracking) else { return nil }
        let spot = spot(of: intake)
        var row = intakeRow(intake, now: guessedNow, today: day.date, calendar: calendar, parent: nil)
        row.lockNames = spot.lockNames
        row.mergeable = spot.mergeable
        row.openStatuses = spot.openStatuses
        row.windowSeconds = spot.windowSeconds
        row.cells = spot.cells
        row.radius = intake.rule.radiusMetres
        row.validFrom = day.span.lowerBound
        row.validUntil = day.span.upperBound
        guard let (id, number, token) = try await loneCases.store(row, locks: Set(spot.lockNames)) else { return nil }
        return IntakeOutcome(requestID: id, serviceRequestID: number, token: token, parentRequestID: nil,
                             parentServiceRequestID: nil, decision: nil, rule: intake.rule)
    }

    /// The spot's locks and candidate read: its cells within the rule's radius, and its address
    /// and block keys, for its type. None when it is not to be merged (the rule is off, or the
    /// place is not precise enough).
    private func spot(of intake: PreparedIntake) -> LockAndReadCandidates {
        let rule = intake.rule
        let mergeable = rule.enabled && intake.precision.isPreciseEnoughToMerge
        var lockNames: [String] = []
        var cells: [Int64] = []
        if mergeable, let x = intake.x, let y = intake.y {
            cells = Self.cells(around: x, y, radius: rule.radiusMetres)
            lockNames += cells.map { "\(intake.serviceCode)|cell|\($0)" }
        }
        if mergeable, !intake.addressKey.isEmpty { lockNames.append("\(intake.serviceCode)|address|\(intake.addressKey)") }
        if mergeable, !intake.blockKey.isEmpty { lockNames.append("\(intake.serviceCode)|block|\(intake.blockKey)") }
        return LockAndReadCandidates(
            lockNames: lockNames, mergeable: mergeable, serviceCode: intake.serviceCode,
            openStatuses: rule.openStatuses.map(\.rawValue).sorted(), windowSeconds: rule.windowSeconds, cells: cells,
            addressKey: intake.addressKey, blockKey: intake.blockKey, timeZone: city.timeZone)
    }

    private func insert(_ intake: PreparedIntake, calendar: BusinessCalendar, choose: ParentChooser,
                        on tx: PostgresConnection) async throws -> IntakeOutcome {
        // A retry: the case is already stored.
        if let claim = intake.idempotency, let earlier = try await Self.stored(claim, rule: intake.rule, on: tx, database.logger) {
            return earlier
        }
        let rule = intake.rule
        // The spot's locks, then the clock and the candidates, in one round trip. The request's
        // time is read *after* the locks: a transaction that began earlier but waited for the
        // lock must not look older than the case it waited for.
        let spot = spot(of: intake)
        let mergeable = spot.mergeable
        let rows = try await tx.run(spot, on: database)
        var now = 0.0, today = ""
        var candidates: [DedupCandidate] = []
        for try await (clock, localDate, id, at, dateOnly, x, y, addressKey, blockKey, children, description) in rows {
            now = clock; today = localDate
            if let id, let at {
                candidates.append(DedupCandidate(
                    request: DedupCase(id: Int(id), serviceCode: intake.serviceCode, requestedAt: at, dateOnly: dateOnly ?? false,
                                       closedAt: nil, x: x, y: y, addressKey: addressKey ?? "", blockKey: blockKey ?? "",
                                       description: description ?? ""),
                    children: children ?? 0))
            }
        }
        var decision: DedupDecision?
        if mergeable {
            let me = DedupCase(id: -1, serviceCode: intake.serviceCode, requestedAt: now, dateOnly: false, closedAt: nil,
                               x: intake.x, y: intake.y, addressKey: intake.addressKey, blockKey: intake.blockKey,
                               description: intake.description)
            decision = choose.choose(me, among: candidates, rule: rule)
        }
        // Staff may close, or merge away, the chosen parent while this intake runs: the spot's
        // locks do not cover staff actions. Locking the parent row makes the two take turns, and
        // the row read under the lock is the latest: a parent no longer open and a root is not
        // joined, the report becomes a case. FOR NO KEY UPDATE, not FOR SHARE: intake updates
        // the parent's count later, and upgrading a share lock while a status change waits for
        // the row is a deadlock.
        if let parent = decision?.parentID {
            let rows = try await tx.run(LockOpenParent(parentID: Int64(parent), openStatuses: rule.openStatuses.map(\.rawValue)), on: database)
            var stillOpen = false
            for try await _ in rows { stillOpen = true }
            if !stillOpen { decision = nil }
        }
        let link = decision.map { d in
            ParentLink(parentID: Int64(d.parentID), kind: "engine", distance: d.distanceMetres, ageSeconds: d.ageSeconds,
                       sameAddress: d.sameAddress, sameBlock: d.sameBlock, score: d.score,
                       ruleJSON: String(decoding: (try? JSONEncoder().encode(d.rule)) ?? Data("{}".utf8), as: UTF8.self),
                       explanationJSON: d.explanation.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) })
        }
        var outcome = try await write(intake, now: now, today: Self.day(today, at: now), calendar: calendar, parent: link, on: tx)
        outcome.decision = decision
        return outcome
    }

    /// What `join` needs from the caller: who they are and what they add.
    public struct JoiningCaller: Sendable {
        public var requester: PreparedIntake.Requester?
        public var description: String
        public var channel: String
        public var actor: String
        public var idempotency: IdempotencyClaim?
        public init(requester: PreparedIntake.Requester?, description: String, channel: String, actor: String,
                    idempotency: IdempotencyClaim? = nil) {
            self.requester = requester; self.description = description; self.channel = channel; self.actor = actor
            self.idempotency = idempotency
        }
    }

    /// Adds a caller to an open case as a child with a tracking number of its own ("already
    /// reported" at intake): the same type and place as the case's family root, which it then
    /// follows. Counted as a deflected duplicate (decision kind `join`).
    public func join(_ tracking: String, caller: JoiningCaller, calendar: BusinessCalendar) async throws -> IntakeOutcome {
        try await database.transaction { tx in
                let logger = database.logger
                if let claim = caller.idempotency, let earlier = try await Self.stored(claim, rule: .disabled(""), on: tx, logger) {
                    return earlier
                }
                // The case and its family root, locked so a close or an unmerge cannot cross the join.
                var root: (id: Int64, tracking: String, code: String, status: String, requestedAt: Double, address: String,
                           addressID: Int64?, addressKey: String, blockKey: String, lon: Double?, lat: Double?,
                           precision: String, x: Double?, y: Double?, department: String, staffID: Int64?)?
                for try await row in try await tx.query("""
                    SELECT p.request_id, p.service_request_id, p.service_code, p.status, extract(epoch FROM p.requested_at)::float8,
                           p.address, p.address_id, p.address_key, p.block_key, p.longitude, p.latitude, p.location_precision, p.x_m, p.y_m,
                           p.department, p.assigned_staff_id
                    FROM service_requests c JOIN service_requests p ON p.request_id = coalesce(c.parent_request_id, c.request_id)
                    WHERE c.service_request_id = \(tracking)
                    FOR UPDATE OF p
                    """, logger: logger).decode((Int64, String, String, String, Double, String, Int64?, String, String, Double?, Double?,
                                                 String, Double?, Double?, String, Int64?).self) {
                    root = row
                }
                guard let root else { throw StoreError.notFound("no case \(tracking)") }
                try CaseFamily.join(FamilyMember(id: root.id, parent: nil, serviceCode: root.code,
                                                 status: CaseStatus(rawValue: root.status) ?? .open, tracking: root.tracking))
                var wards: [(setID: Int, ward: String?)] = []
                for try await (setID, ward) in try await tx.query(
                    "SELECT ward_set_id, ward FROM request_wards WHERE request_id = \(root.id)", logger: logger).decode((Int, String?).self) {
                    wards.append((setID, ward))
                }
                var now = 0.0, today = ""
                for try await (clock, localDate) in try await tx.query("""
                    SELECT extract(epoch FROM clock_timestamp())::float8, (clock_timestamp() AT TIME ZONE \(city.timeZone))::date::text
                    """, logger: logger).decode((Double, String).self) {
                    now = clock; today = localDate
                }
                var intake = PreparedIntake(
                    serviceCode: root.code, description: caller.description, channel: caller.channel, requester: caller.requester,
                    address: root.address, addressID: root.addressID, addressKey: root.addressKey, blockKey: root.blockKey,
                    longitude: root.lon, latitude: root.lat, precision: LocationPrecision(rawValue: root.precision) ?? .none,
                    x: root.x, y: root.y, wards: wards, rule: .disabled(root.code), actor: caller.actor,
                    assignment: Assignment(department: root.department, staffID: root.staffID))
                intake.idempotency = caller.idempotency
                let link = ParentLink(parentID: root.id, kind: "join", distance: root.x == nil ? nil : 0,
                                      ageSeconds: max(0, now - root.requestedAt), sameAddress: !root.addressKey.isEmpty,
                                      sameBlock: !root.blockKey.isEmpty, score: 1, ruleJSON: #"{"by": "join"}"#)
                return try await write(intake, now: now, today: Self.day(today, at: now), calendar: calendar, parent: link, on: tx)
        }
    }

    /// The case an Idempotency-Key already stored, answered as intake answered it then; nil when
    /// the key is new. The same key with another request is a conflict.
    static func stored(_ claim: IdempotencyClaim, rule: DedupRule, on tx: PostgresConnection, _ logger: Logger) async throws -> IntakeOutcome? {
        for try await row in try await tx.query("""
            SELECT r.request_id, r.service_request_id, r.token::text, r.idempotency_hash, p.request_id, p.service_request_id,
                   d.distance_m, d.age_seconds, d.same_address, d.same_block, d.score, d.rule::text, d.kind, d.explanation::text
            FROM service_requests r
            LEFT JOIN service_requests p ON p.request_id = r.parent_request_id
            LEFT JOIN LATERAL (SELECT * FROM dedup_decisions d WHERE d.request_id = r.request_id ORDER BY d.decision_id LIMIT 1) d ON true
            WHERE r.idempotency_key = \(claim.key)
            """, logger: logger).decode((Int64, String, String, ByteBuffer?, Int64?, String?, Double?, Double?, Bool?, Bool?, Double?,
                                         String?, String?, String?).self) {
            let (id, tracking, token, hash, parentID, parentTracking, distance, age, sameAddress, sameBlock, score, ruleJSON, kind, explanation) = row
            guard let hash, Array(buffer: hash) == claim.hash else {
                throw StoreError.conflict("this Idempotency-Key was already used for another request (\(tracking)); "
                                          + "send a new key for a new request")
            }
            var decision: DedupDecision?
            if kind == "engine", let parentID, let age, let sameAddress, let sameBlock, let score {
                let decided = ruleJSON.flatMap { try? JSONDecoder().decode(DedupRule.self, from: Data($0.utf8)) } ?? rule
                decision = DedupDecision(parentID: Int(parentID), distanceMetres: distance, ageSeconds: age, sameAddress: sameAddress,
                                         sameBlock: sameBlock, score: score, rule: decided,
                                         explanation: explanation.flatMap { try? JSONDecoder().decode(LearnedDedupDecision.self, from: Data($0.utf8)) })
            }
            return IntakeOutcome(requestID: id, serviceRequestID: tracking, token: token, parentRequestID: parentID,
                                 parentServiceRequestID: parentTracking, decision: decision, rule: rule, replayed: true)
        }
        return nil
    }

    // MARK: The one write

    /// Why a new case has a parent, as stored in `dedup_decisions`; the merged write reads it
    /// from its JSON input (`IntakeRow.parent`) under these names.
    struct ParentLink: Sendable, Encodable {
        var parentID: Int64
        var kind: String
        var distance: Double?
        var ageSeconds: Double
        var sameAddress: Bool
        var sameBlock: Bool
        var score: Double
        var ruleJSON: String
        var explanationJSON: String? = nil
        enum CodingKeys: String, CodingKey {
            case parentID = "id", kind, distance, ageSeconds = "age_seconds", sameAddress = "same_address", sameBlock = "same_block"
            case score, ruleJSON = "rule", explanationJSON = "explanation"
        }
    }

    /// The city's day PostgreSQL gave ("2021-01-01"), or the UTC day of `now` should it be unreadable.
    static func day(_ text: String, at now: Double) -> CivilDate {
        CivilDate(parsing: text) ?? CivilDate(dayNumber: Int(now / 86_400))
    }

    /// What the write stores: the case's deadlines (the end of the n-th business day after the
    /// day it came in), its tracking year, its cell, its answers. (The lone shape's locks and
    /// guard are set by `insertAlone`.)
    private func intakeRow(_ intake: PreparedIntake, now: Double, today day: CivilDate, calendar: BusinessCalendar,
                           parent: ParentLink?) -> IntakeRow {
        var due = intake.standard.deadlines(receivedOn: day, calendar: calendar)
        if intake.expediteReason != nil {
            due.respond = min(due.respond, calendar.dueDate(after: day, businessDays: intake.standard.expeditedRespondBusinessDays))
        }
        let action = switch parent?.kind { case "join": "joined"; case .some: "created_as_duplicate"; case nil: "created" }
        return IntakeRow(
            ord: 0, serviceCode: intake.serviceCode, description: intake.description, channel: intake.channel,
            department: intake.assignment.department, requester: intake.requester, address: intake.address, addressID: intake.addressID,
            longitude: intake.longitude, latitude: intake.latitude, locationPrecision: intake.precision.rawValue, x: intake.x, y: intake.y,
            addressKey: intake.addressKey, blockKey: intake.blockKey,
            gridCell: intake.x.flatMap { x in intake.y.map { y in Self.cellID(Self.cell(x: x, y: y)) } },
            mediaURL: intake.mediaURL, acknowledgeBy: due.acknowledge.description, respondBy: due.respond.description,
            staffID: intake.assignment.staffID, priority: intake.priority, expediteReason: intake.expediteReason,
            idempotencyKey: intake.idempotency?.key,
            idempotencyHash: intake.idempotency.map { $0.hash.map { String(format: "%02x", $0) }.joined() },
            actor: intake.actor, action: action,
            wardSets: intake.wards.map { Int64($0.setID) }, wards: intake.wards.map { $0.ward ?? "" }, attributes: intake.attributes,
            trackingPrefix: tracking.yearPrefix(at: now), now: now, parent: parent)
    }

    /// Writes the case, its requester, first status, wards, answers, the merge with the
    /// parent's count and priority (a repeat is an escalation), and the audit row: one statement.
    private func write(_ intake: PreparedIntake, now: Double, today: CivilDate, calendar: BusinessCalendar, parent: ParentLink?,
                       on tx: PostgresConnection) async throws -> IntakeOutcome {
        let rows = try IntakeRow.json([intakeRow(intake, now: now, today: today, calendar: calendar, parent: parent)])
        let written = parent == nil ? try await tx.run(WriteCases<NewCase>(rows: rows, timeZone: city.timeZone), on: database)
                                    : try await tx.run(WriteCases<MergedCase>(rows: rows, timeZone: city.timeZone), on: database)
        var stored: IntakeOutcome?
        for try await (_, _, id, number, token, parentNumber) in written {
            guard let id, let number, let token else { continue }
            stored = IntakeOutcome(requestID: id, serviceRequestID: number, token: token, parentRequestID: parent?.parentID,
                                   parentServiceRequestID: parentNumber, decision: nil, rule: intake.rule)
        }
        if let stored {
            if let photo = intake.photo { try await keep(photo, of: stored.requestID, actor: intake.actor, on: tx) }
            return stored
        }
        // No row: the same key was stored by a copy of this request that committed while this
        // one waited on the unique index (another instance, a client's parallel retry).
        if let claim = intake.idempotency, let earlier = try await Self.stored(claim, rule: intake.rule, on: tx, database.logger) {
            return earlier
        }
        throw StoreError.notFound("unknown service_code \(intake.serviceCode)")
    }

    /// The photo as a document of the case, with its audit row, in the intake's transaction: a
    /// request is stored with its photo or not at all. (A round trip more, for a request with one.)
    private func keep(_ photo: IntakePhoto, of requestID: Int64, actor: String, on tx: PostgresConnection) async throws {
        _ = try await CaseStore.insertDocument(of: requestID, fileName: photo.fileName, contentType: photo.contentType, bytes: photo.bytes,
                                               description: "sent with the request", actor: actor, tx, database.logger)
    }
}

/// The city's day of the last intake, with the instants over which both it and the tracking
/// number's year hold: Foundation's calendar is asked once a day, not on every intake.
private final class IntakeDays: Sendable {
    private let last = Mutex<(date: CivilDate, span: Range<Double>)?>(nil)

    func day(at instant: Double, timeZone: String, tracking: TrackingNumber) -> (date: CivilDate, span: Range<Double>)? {
        if let known = last.withLock({ $0 }), known.span.contains(instant) { return known }
        guard let day = CivilDate.containing(instant, timeZone: timeZone) else { return nil }
        let year = tracking.yearSpan(at: instant)
        let found = (date: day.date, span: max(day.span.lowerBound, year.lowerBound)..<min(day.span.upperBound, year.upperBound))
        last.withLock { $0 = found }
        return found
    }
}
