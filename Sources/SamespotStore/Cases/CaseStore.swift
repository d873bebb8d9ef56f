import Crypto
import Foundation
import Logging
import PostgresNIO
import SamespotCore

/// A case locked for a change (`SELECT … FOR UPDATE`), with what the lifecycle and the letters
/// need: its snapshot, its type's standard, the residents of its family, the templates and who
/// signs. Residents' contacts are here only to address their letters; nothing logs them.
public struct LockedCase: Sendable {
    public var id: Int64
    public var tracking: String
    public var serviceCode: String
    public var serviceName: String
    public var address: String
    /// The city's day the request came in, and today.
    public var receivedOn: CivilDate
    public var today: CivilDate
    public var snapshot: CaseSnapshot
    public var departmentName: String
    public var responsible: Staff?
    /// The residents to write to: the case's own and its children's.
    public var residents: [Resident]
    public var templates: [LetterKind: LetterTemplate]
    /// The member of staff whose key acts, when the key belongs to one.
    public var signer: Staff?
}

/// A resident of a case's family, as their letter needs them.
public struct Resident: Sendable {
    public var requestID: Int64
    public var tracking: String
    public var requesterID: Int64
    public var firstName: String
    public var lastName: String
    public var email: String
    public var phone: String
    public var postalAddress: String
    public var preferredContact: String
}

public struct LetterTemplate: Sendable, Equatable {
    public var kind: LetterKind
    public var subject: String
    public var body: String
    public var updatedAt: Date
    public var updatedBy: String

    public init(kind: LetterKind, subject: String, body: String, updatedAt: Date = Date(), updatedBy: String = "") {
        self.kind = kind; self.subject = subject; self.body = body; self.updatedAt = updatedAt; self.updatedBy = updatedBy
    }
}

/// A letter rendered for one resident, for the outbox.
public struct OutgoingLetter: Sendable {
    public var requestID: Int64
    public var requesterID: Int64
    public var kind: LetterKind
    public var channel: String
    public var subject: String
    public var body: String

    public init(requestID: Int64, requesterID: Int64, kind: LetterKind, channel: String, subject: String, body: String) {
        self.requestID = requestID; self.requesterID = requesterID; self.kind = kind; self.channel = channel
        self.subject = subject; self.body = body
    }
}

/// What to write for one decided change.
public struct CaseWrite: Sendable {
    public var change: CaseChange
    /// Who is responsible after it, as the history shows it ("Streets — Jane Roe, crew lead").
    public var responsible: String
    public var letters: [OutgoingLetter]

    public init(change: CaseChange, responsible: String, letters: [OutgoingLetter]) {
        self.change = change; self.responsible = responsible; self.letters = letters
    }
}

/// Persistence of cases: reads a case's record, locks a case for a change the lifecycle
/// decides and writes it, and keeps the family links, notes, actions, documents and
/// evaluations. The rules are not here (`CaseLifecycle`, `CaseFamily`); each write is one
/// transaction with an audit row.
public struct CaseStore: Sendable {
    public let database: Database
    public let city: CitySettings

    public init(database: Database, city: CitySettings) {
        self.database = database
        self.city = city
    }

    // MARK: Changes the lifecycle decides

    /// Locks the case, hands it to `decide`, and writes what it returns: the case, its children
    /// (which follow a status), the history, the letters and the audit row.
    public func change(_ tracking: String, actor: String, signerKeyID: Int64?,
                       decide: @Sendable (LockedCase) throws -> CaseWrite) async throws {
        try await transaction { tx, logger in
            let locked = try await lockForChange(tracking, signerKeyID: signerKeyID, tx, logger)
            let at = try await Self.timeAfterLocks(tx, logger)
            let write = try decide(locked)
            let c = write.change
            let changedDue = c.respondDue != locked.snapshot.respondDue ? c.respondDue?.description : nil
            try await tx.query("""
                UPDATE service_requests SET
                    status = \(c.status.rawValue),
                    -- Kept with the status (migration 11); status on the right is the one before this change.
                    ever_closed = ever_closed OR NOT \(c.status.isOpen), reopened = reopened OR (\(c.status.isOpen) AND status IN ('closed', 'canceled')),
                    status_notes = CASE WHEN \(c.statusChanged) THEN \(c.note) ELSE status_notes END,
                    updated_at = \(at)::timestamptz,
                    department = \(c.assignment.department), assigned_staff_id = \(c.assignment.staffID),
                    expedited = \(c.expedited),
                    expedite_reason = CASE WHEN \(c.action) = 'expedited' THEN \(c.note) ELSE expedite_reason END,
                    respond_due_at = CASE WHEN \(changedDue)::date IS NULL THEN respond_due_at
                                          ELSE (\(changedDue)::date + 1)::timestamp AT TIME ZONE \(city.timeZone) END,
                    respond_due_reason = CASE WHEN \(c.action) = 'new_date' THEN \(c.note) ELSE respond_due_reason END,
                    closed_at = CASE WHEN \(c.closes) THEN \(at)::timestamptz WHEN \(c.reopens) THEN NULL ELSE closed_at END,
                    acknowledged_at = CASE WHEN \(c.acknowledges) THEN coalesce(acknowledged_at, \(at)::timestamptz) ELSE acknowledged_at END
                WHERE request_id = \(locked.id)
                """, logger: logger)
            if c.statusChanged {
                let childNote = c.note.isEmpty ? "same as \(tracking), which this request was merged into"
                                               : "\(c.note) (with \(tracking), which this request was merged into)"
                try await tx.query("""
                    UPDATE service_requests SET status = \(c.status.rawValue), status_notes = \(childNote), updated_at = \(at)::timestamptz,
                           ever_closed = ever_closed OR NOT \(c.status.isOpen), reopened = reopened OR (\(c.status.isOpen) AND status IN ('closed', 'canceled')),
                           closed_at = CASE WHEN \(c.closes) THEN \(at)::timestamptz WHEN \(c.reopens) THEN NULL ELSE closed_at END,
                           acknowledged_at = CASE WHEN \(c.acknowledges) THEN coalesce(acknowledged_at, \(at)::timestamptz) ELSE acknowledged_at END
                    WHERE parent_request_id = \(locked.id)
                    """, logger: logger)
                try await tx.query("""
                    INSERT INTO status_history (request_id, status, changed_at, actor, note, responsible)
                    SELECT request_id, \(c.status.rawValue), \(at)::timestamptz, \(actor), CASE WHEN request_id = \(locked.id) THEN \(c.note) ELSE \(childNote) END,
                           \(write.responsible)
                    FROM service_requests WHERE request_id = \(locked.id) OR parent_request_id = \(locked.id)
                    """, logger: logger)
            }
            try await Self.enqueue(write.letters, about: locked.id, tx, logger)
            var details = ["status": c.status.rawValue]
            if c.assignment != locked.snapshot.assignment { details["department"] = c.assignment.department }
            if let staff = c.assignment.staffID, c.assignment != locked.snapshot.assignment { details["staff_id"] = String(staff) }
            if let changedDue { details["respond_by"] = changedDue }
            if !write.letters.isEmpty { details["letters"] = String(write.letters.count) }
            try await Self.audit(locked.id, c.action, actor, details, tx, logger)
        }
    }

    /// The time a change is written at: read once its rows are locked. The transaction's own
    /// `now()` is when it began, which may be before a concurrent intake added a child to the
    /// family and committed while this one waited for the lock; stamped with it, the child's
    /// close would come before its own opening in its history, and its close before its report.
    static func timeAfterLocks(_ tx: PostgresConnection, _ logger: Logger) async throws -> String {
        for try await at in try await tx.query("SELECT clock_timestamp()::text", logger: logger).decode(String.self) { return at }
        throw StoreError.notFound("PostgreSQL gave no time")
    }

    private func lockForChange(_ tracking: String, signerKeyID: Int64?, _ tx: PostgresConnection, _ logger: Logger) async throws -> LockedCase {
        let rows = try await tx.query("""
            SELECT r.request_id, r.service_request_id, r.service_code, t.service_name, r.address, r.status, r.parent_request_id IS NOT NULL,
                   r.department, coalesce(d.name, r.department), r.assigned_staff_id, s.name, s.title, s.department,
                   ((r.respond_due_at AT TIME ZONE \(city.timeZone)) - interval '1 microsecond')::date::text,
                   r.expedited, (r.requested_at AT TIME ZONE \(city.timeZone))::date::text,
                   (now() AT TIME ZONE \(city.timeZone))::date::text, t.acknowledge_days, t.respond_days
            FROM service_requests r JOIN service_types t USING (service_code)
            LEFT JOIN departments d ON d.department = r.department
            LEFT JOIN staff s ON s.staff_id = r.assigned_staff_id
            WHERE r.service_request_id = \(tracking)
            FOR UPDATE OF r
            """, logger: logger)
        var found: LockedCase?
        for try await row in rows {
            let c = row.makeRandomAccess()
            let staffID = try c[9].decode(Int64?.self)
            let responsible = try staffID.map {
                Staff(id: $0, name: try c[10].decode(String.self), title: try c[11].decode(String.self), department: try c[12].decode(String.self))
            }
            let standard = ServiceStandard.city.overridden(acknowledge: try c[17].decode(Int?.self), respond: try c[18].decode(Int?.self))
            let today = CivilDate(parsing: try c[16].decode(String.self)) ?? CivilDate(year: 1970, month: 1, day: 1)
            found = LockedCase(
                id: try c[0].decode(Int64.self), tracking: try c[1].decode(String.self), serviceCode: try c[2].decode(String.self),
                serviceName: try c[3].decode(String.self), address: try c[4].decode(String.self),
                receivedOn: CivilDate(parsing: try c[15].decode(String.self)) ?? today, today: today,
                snapshot: CaseSnapshot(
                    status: CaseStatus(rawValue: try c[5].decode(String.self)) ?? .open, isMerged: try c[6].decode(Bool.self),
                    assignment: Assignment(department: try c[7].decode(String.self), staffID: staffID),
                    respondDue: try c[13].decode(String?.self).flatMap(CivilDate.init(parsing:)),
                    expedited: try c[14].decode(Bool.self), standard: standard),
                departmentName: try c[8].decode(String.self), responsible: responsible, residents: [], templates: [:], signer: nil)
        }
        guard var locked = found else { throw StoreError.notFound("no case \(tracking)") }
        locked.residents = try await Self.residents(ofFamily: locked.id, tx, logger)
        locked.templates = try await Self.templates(on: tx, logger)
        if let signerKeyID {
            for try await (id, name, title, department) in try await tx.query("""
                SELECT s.staff_id, s.name, s.title, s.department FROM api_keys k JOIN staff s USING (staff_id) WHERE k.key_id = \(signerKeyID)
                """, logger: logger).decode((Int64, String, String, String).self) {
                locked.signer = Staff(id: id, name: name, title: title, department: department)
            }
        }
        return locked
    }

    static func residents(ofFamily id: Int64, _ tx: PostgresConnection, _ logger: Logger) async throws -> [Resident] {
        var residents: [Resident] = []
        for try await (requestID, tracking, requesterID, first, last, email, phone, postal, preferred) in try await tx.query("""
            SELECT r.request_id, r.service_request_id, q.requester_id, q.first_name, q.last_name, q.email, q.phone, q.postal_address,
                   q.preferred_contact
            FROM service_requests r JOIN requesters q USING (requester_id)
            WHERE r.request_id = \(id) OR r.parent_request_id = \(id)
            ORDER BY r.request_id
            """, logger: logger).decode((Int64, String, Int64, String, String, String, String, String, String).self) {
            residents.append(Resident(requestID: requestID, tracking: tracking, requesterID: requesterID, firstName: first, lastName: last,
                                      email: email, phone: phone, postalAddress: postal, preferredContact: preferred))
        }
        return residents
    }

    static func templates(on connection: PostgresConnection, _ logger: Logger) async throws -> [LetterKind: LetterTemplate] {
        let list = try await LetterStore.templates(from: try await connection.query(LetterStore.templatesQuery, logger: logger))
        return Dictionary(list.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func enqueue(_ letters: [OutgoingLetter], about caseID: Int64, _ tx: PostgresConnection, _ logger: Logger) async throws {
        guard !letters.isEmpty else { return }
        try await tx.query("""
            INSERT INTO outbox (request_id, about_request_id, requester_id, kind, channel, subject, body)
            SELECT r, \(caseID), q, k, c, s, b
            FROM unnest(\(letters.map(\.requestID))::int8[], \(letters.map(\.requesterID))::int8[], \(letters.map(\.kind.rawValue))::text[],
                        \(letters.map(\.channel))::text[], \(letters.map(\.subject))::text[], \(letters.map(\.body))::text[]) AS l(r, q, k, c, s, b)
            """, logger: logger)
    }

    // MARK: The family

    /// Merges `child` under the family root of `parent`, as `plan` decides from both.
    public func merge(_ child: String, into parent: String, actor: String,
                      plan: @Sendable (FamilyMember, FamilyMember) throws -> CaseFamily.MergePlan) async throws {
        try await transaction { tx, logger in
            let c = try await Self.lock(.tracking(child), tx, logger)
            var root = try await Self.lock(.tracking(parent), tx, logger)
            if let up = root.parent { root = try await Self.lock(.id(up), tx, logger) }
            let at = try await Self.timeAfterLocks(tx, logger)
            let merge = try plan(c, root)
            try await tx.query("""
                UPDATE service_requests SET parent_request_id = \(merge.rootID), updated_at = \(at)::timestamptz, child_count = 0
                WHERE request_id = \(merge.childID) OR parent_request_id = \(merge.childID)
                """, logger: logger)
            if let status = merge.newStatus {
                let note = "follows \(root.tracking), which this request was merged into"
                // Every case whose status this changes gets its history row: the merged case and
                // the children it brings along. Those children once went without one, and their
                // close and reopen flags then disagreed with their history.
                try await tx.query("""
                    WITH followed AS (
                        UPDATE service_requests SET status = \(status.rawValue), status_notes = \(note),
                               ever_closed = ever_closed OR NOT \(status.isOpen), reopened = reopened OR (\(status.isOpen) AND status IN ('closed', 'canceled')),
                               acknowledged_at = CASE WHEN \(status != .open) THEN coalesce(acknowledged_at, \(at)::timestamptz) ELSE acknowledged_at END
                        WHERE parent_request_id = \(merge.rootID) AND status <> \(status.rawValue)
                        RETURNING request_id
                    )
                    INSERT INTO status_history (request_id, status, changed_at, actor, note)
                    SELECT request_id, \(status.rawValue), \(at)::timestamptz, \(actor), \(note)
                    FROM (SELECT request_id FROM followed UNION SELECT \(merge.childID)::int8) AS changed
                    """, logger: logger)
            }
            try await tx.query("""
                INSERT INTO dedup_decisions (request_id, parent_request_id, distance_m, age_seconds, same_address, same_block, score, rule, kind, decided_by)
                SELECT c.request_id, p.request_id,
                       CASE WHEN c.x_m IS NOT NULL AND p.x_m IS NOT NULL THEN sqrt((c.x_m - p.x_m) ^ 2 + (c.y_m - p.y_m) ^ 2) END,
                       greatest(0, extract(epoch FROM c.requested_at - p.requested_at)),
                       c.address_key <> '' AND c.address_key = p.address_key, c.block_key <> '' AND c.block_key = p.block_key,
                       1, '{"by": "staff"}'::jsonb, 'staff', \(actor)
                FROM service_requests c, service_requests p WHERE c.request_id = \(merge.childID) AND p.request_id = \(merge.rootID)
                """, logger: logger)
            try await Self.recount([merge.rootID, merge.childID] + (merge.previousParent.map { [$0] } ?? []), tx, logger)
            try await Self.audit(merge.childID, "merged", actor, ["parent": root.tracking], tx, logger)
        }
    }

    /// Undoes a merge: the child becomes its own case again; the decision is kept, marked reverted.
    public func unmerge(_ child: String, actor: String, plan: @Sendable (FamilyMember) throws -> Int64) async throws {
        try await transaction { tx, logger in
            let c = try await Self.lock(.tracking(child), tx, logger)
            let parent = try plan(c)
            let p = try await Self.lock(.id(parent), tx, logger)
            try await tx.query("UPDATE service_requests SET parent_request_id = NULL, updated_at = now() WHERE request_id = \(c.id)", logger: logger)
            try await tx.query("UPDATE dedup_decisions SET reverted_at = now() WHERE request_id = \(c.id) AND reverted_at IS NULL", logger: logger)
            try await Self.recount([parent], tx, logger)
            try await Self.audit(c.id, "unmerged", actor, ["parent": p.tracking], tx, logger)
        }
    }

    // MARK: Records kept on a case

    /// A note: internal (staff only) or public (also in Open311's notes and FixMyStreet's updates).
    public func addNote(_ tracking: String, body: String, isPublic: Bool, actor: String) async throws {
        try await onCase(tracking, action: "note", actor: actor, details: ["public": isPublic ? "true" : "false"]) { id, tx, logger in
            try await tx.query("INSERT INTO case_notes (request_id, author, body, public) VALUES (\(id), \(actor), \(body), \(isPublic))", logger: logger)
        }
    }

    /// An action taken on the case ("crew filled the hole").
    public func addAction(_ tracking: String, description: String, actor: String) async throws {
        try await onCase(tracking, action: "action_taken", actor: actor, details: [:]) { id, tx, logger in
            try await tx.query("INSERT INTO case_actions (request_id, description, actor) VALUES (\(id), \(description), \(actor))", logger: logger)
        }
    }

    /// A file, whose content type the caller read from its bytes.
    public func addDocument(_ tracking: String, fileName: String, contentType: String, bytes: [UInt8],
                            description: String, actor: String) async throws -> Int64 {
        try await transaction { tx, logger in
            let c = try await Self.lock(.tracking(tracking), tx, logger)
            let id = try await Self.insertDocument(of: c.id, fileName: fileName, contentType: contentType, bytes: bytes,
                                                   description: description, actor: actor, tx, logger)
            try await tx.query("UPDATE service_requests SET updated_at = now() WHERE request_id = \(c.id)", logger: logger)
            return id
        }
    }

    /// Writes a file of a case, with its hash and its audit row, in the caller's transaction:
    /// staff's documents, and the photo a resident sends with a request (`IntakeStore`).
    static func insertDocument(of requestID: Int64, fileName: String, contentType: String, bytes: [UInt8], description: String,
                               actor: String, _ tx: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        // Kept with the file: a copy produced later can be shown to be the one received.
        let sha256 = Array(SHA256.hash(data: bytes))
        var id: Int64 = 0
        for try await documentID in try await tx.query("""
            INSERT INTO case_documents (request_id, file_name, content_type, byte_size, sha256, content, description, uploaded_by)
            VALUES (\(requestID), \(fileName), \(contentType), \(bytes.count), \(ByteBuffer(bytes: sha256)), \(ByteBuffer(bytes: bytes)),
                    \(description), \(actor))
            RETURNING document_id
            """, logger: logger).decode(Int64.self) { id = documentID }
        try await audit(requestID, "document", actor, ["document_id": String(id), "content_type": contentType], tx, logger)
        return id
    }

    public struct StoredDocument: Sendable { public var fileName: String; public var contentType: String; public var bytes: ByteBuffer }

    public func document(_ tracking: String, id: Int64) async throws -> StoredDocument {
        for try await (name, type, content) in try await database.client.query("""
            SELECT d.file_name, d.content_type, d.content FROM case_documents d JOIN service_requests r USING (request_id)
            WHERE r.service_request_id = \(tracking) AND d.document_id = \(id)
            """, logger: database.logger).decode((String, String, ByteBuffer).self) {
            return StoredDocument(fileName: name, contentType: type, bytes: content)
        }
        throw StoreError.notFound("case \(tracking) has no document \(id)")
    }

    /// The resident's evaluation of a closed case; a second one replaces the first.
    public func recordEvaluation(_ tracking: String, rating: Int, comment: String, actor: String) async throws {
        try await transaction { tx, logger in
            let c = try await Self.lock(.tracking(tracking), tx, logger)
            guard !c.status.isOpen else {
                throw StoreError.conflict("\(tracking) is \(c.status.label): a resident evaluates a case once it is closed")
            }
            try await tx.query("""
                INSERT INTO case_evaluations (request_id, rating, comment, recorded_by) VALUES (\(c.id), \(rating), \(comment), \(actor))
                ON CONFLICT (request_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment,
                    recorded_by = excluded.recorded_by, recorded_at = now()
                """, logger: logger)
            try await Self.audit(c.id, "evaluation", actor, ["rating": String(rating)], tx, logger)
        }
    }

    // MARK: Helpers

    private func onCase(_ tracking: String, action: String, actor: String, details: [String: String],
                        _ body: @Sendable (Int64, PostgresConnection, Logger) async throws -> Void) async throws {
        try await transaction { tx, logger in
            let c = try await Self.lock(.tracking(tracking), tx, logger)
            try await body(c.id, tx, logger)
            try await tx.query("UPDATE service_requests SET updated_at = now() WHERE request_id = \(c.id)", logger: logger)
            try await Self.audit(c.id, action, actor, details, tx, logger)
        }
    }

    func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        try await database.transaction { tx in try await body(tx, database.logger) }
    }

    enum CaseKey { case tracking(String), id(Int64) }

    static func lock(_ key: CaseKey, _ tx: PostgresConnection, _ logger: Logger) async throws -> FamilyMember {
        let query: PostgresQuery = switch key {
        case .tracking(let t):
            "SELECT request_id, parent_request_id, service_code, status, service_request_id FROM service_requests WHERE service_request_id = \(t) FOR UPDATE"
        case .id(let id):
            "SELECT request_id, parent_request_id, service_code, status, service_request_id FROM service_requests WHERE request_id = \(id) FOR UPDATE"
        }
        for try await (id, parent, code, status, tracking) in try await tx.query(query, logger: logger).decode((Int64, Int64?, String, String, String).self) {
            return FamilyMember(id: id, parent: parent, serviceCode: code, status: CaseStatus(rawValue: status) ?? .open, tracking: tracking)
        }
        switch key {
        case .tracking(let t): throw StoreError.notFound("no case \(t)")
        case .id(let id): throw StoreError.notFound("no case with id \(id)")
        }
    }

    /// Child counts are derived from the parent links, by this one rule everywhere (intake
    /// counts the same way: the children there are, plus the one it adds).
    ///
    /// The rows are locked first, in one statement of their own. A merge moves a child away from
    /// its old parent without holding that parent; an intake may hold it meanwhile, adding a child.
    /// An UPDATE that waited for the intake's row would still count under the snapshot it started
    /// with, missing the intake's child; a count read after the lock sees it (READ COMMITTED gives
    /// each statement a fresh snapshot). Locking in id order keeps two recounts from deadlocking.
    static func recount(_ ids: [Int64], _ tx: PostgresConnection, _ logger: Logger) async throws {
        for try await _ in try await tx.query("""
            SELECT 1 FROM service_requests WHERE request_id = ANY(\(ids)::bigint[]) ORDER BY request_id FOR UPDATE
            """, logger: logger) {}
        try await tx.query("""
            UPDATE service_requests r SET child_count = (SELECT count(*) FROM service_requests c WHERE c.parent_request_id = r.request_id)
            WHERE r.request_id = ANY(\(ids)::bigint[])
            """, logger: logger)
    }

    static func audit(_ id: Int64, _ action: String, _ actor: String, _ details: [String: String], _ tx: PostgresConnection,
                      _ logger: Logger) async throws {
        let detailsText = String(decoding: try JSONEncoder().encode(details), as: UTF8.self)
        try await tx.query("""
            INSERT INTO audit_log (request_id, action, actor, details) VALUES (\(id), \(action), \(actor), \(detailsText)::jsonb)
            """, logger: logger)
    }
}
