import Foundation
import Logging
import PostgresNIO
import SamespotCore

/// A case as staff see it: its own fields, its family, why it was merged, and what happened to it.
/// No personal data: the requester's name and contacts stay in `requesters`.
public struct CaseDetail: Sendable, Codable {
    public struct Child: Sendable, Codable { public var serviceRequestId: String; public var status: String; public var requestedAt: Date }
    public struct Decision: Sendable, Codable {
        public var parentServiceRequestId: String
        public var distanceM: Double?
        public var ageSeconds: Double
        public var score: Double
        /// `engine` (at intake), `staff` (by hand) or `join` (a caller added at intake).
        public var kind: String
        public var decidedBy: String
        public var decidedAt: Date
        public var revertedAt: Date?
    }
    public struct HistoryEntry: Sendable, Codable { public var status: String; public var at: Date; public var actor: String; public var note: String }
    public struct AuditEntry: Sendable, Codable { public var action: String; public var actor: String; public var at: Date; public var details: String }
    public struct Note: Sendable, Codable { public var author: String; public var body: String; public var `public`: Bool; public var at: Date }

    public var serviceRequestId: String
    public var serviceCode: String
    public var status: String
    public var statusNotes: String
    public var description: String
    public var address: String
    public var latitude: Double?
    public var longitude: Double?
    public var locationPrecision: String
    public var requestedAt: Date
    public var updatedAt: Date
    public var parentServiceRequestId: String?
    public var childCount: Int
    public var priority: Int
    public var acknowledgeDueAt: Date?
    public var respondDueAt: Date?
    public var acknowledgedAt: Date?
    public var closedAt: Date?
    public var ward: String?
    public var children: [Child]
    public var decisions: [Decision]
    public var history: [HistoryEntry]
    public var notes: [Note]
    public var audit: [AuditEntry]
}

/// Staff actions on cases: read one, merge two by hand, undo a merge, change a status (which a
/// parent passes to its children). Each is one transaction and leaves an audit row.
public struct CaseStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public enum CaseError: Error, Sendable, Equatable, CustomStringConvertible {
        case notFound(String)
        case conflict(String)
        public var description: String {
            switch self {
            case .notFound(let m), .conflict(let m): return m
            }
        }
    }

    /// - Parameter wardSetID: the set whose ward the answer names.
    public func detail(_ tracking: String, wardSetID: Int? = nil) async throws -> CaseDetail {
        let logger = database.logger
        let rows = try await database.client.query("""
            SELECT r.request_id, r.service_request_id, r.service_code, r.status, r.status_notes, r.description, r.address,
                   r.latitude, r.longitude, r.location_precision, r.requested_at, r.updated_at, p.service_request_id,
                   r.child_count, r.priority, r.acknowledge_due_at, r.respond_due_at, r.acknowledged_at, r.closed_at, w.ward
            FROM service_requests r LEFT JOIN service_requests p ON p.request_id = r.parent_request_id
            LEFT JOIN request_wards w ON w.request_id = r.request_id AND w.ward_set_id = \(wardSetID)
            WHERE r.service_request_id = \(tracking)
            """, logger: logger)
        var found: CaseDetail?
        var requestID: Int64 = 0
        for try await row in rows {
            let c = row.makeRandomAccess()
            requestID = try c[0].decode(Int64.self)
            found = CaseDetail(
                serviceRequestId: try c[1].decode(String.self), serviceCode: try c[2].decode(String.self),
                status: try c[3].decode(String.self), statusNotes: try c[4].decode(String.self),
                description: try c[5].decode(String.self), address: try c[6].decode(String.self),
                latitude: try c[7].decode(Double?.self), longitude: try c[8].decode(Double?.self),
                locationPrecision: try c[9].decode(String.self), requestedAt: try c[10].decode(Date.self),
                updatedAt: try c[11].decode(Date.self), parentServiceRequestId: try c[12].decode(String?.self),
                childCount: try c[13].decode(Int.self), priority: try c[14].decode(Int.self),
                acknowledgeDueAt: try c[15].decode(Date?.self), respondDueAt: try c[16].decode(Date?.self),
                acknowledgedAt: try c[17].decode(Date?.self), closedAt: try c[18].decode(Date?.self), ward: try c[19].decode(String?.self),
                children: [], decisions: [], history: [], notes: [], audit: [])
        }
        guard var detail = found else { throw CaseError.notFound("no case \(tracking)") }
        for try await (number, status, at) in try await database.client.query("""
            SELECT service_request_id, status, requested_at FROM service_requests WHERE parent_request_id = \(requestID) ORDER BY requested_at
            """, logger: logger).decode((String, String, Date).self) {
            detail.children.append(.init(serviceRequestId: number, status: status, requestedAt: at))
        }
        for try await (parent, distance, age, score, kind, by, at, reverted) in try await database.client.query("""
            SELECT p.service_request_id, d.distance_m, d.age_seconds, d.score, d.kind, d.decided_by, d.decided_at, d.reverted_at
            FROM dedup_decisions d JOIN service_requests p ON p.request_id = d.parent_request_id
            WHERE d.request_id = \(requestID) ORDER BY d.decided_at
            """, logger: logger).decode((String, Double?, Double, Double, String, String, Date, Date?).self) {
            detail.decisions.append(.init(parentServiceRequestId: parent, distanceM: distance, ageSeconds: age, score: score,
                                          kind: kind, decidedBy: by, decidedAt: at, revertedAt: reverted))
        }
        for try await (author, body, isPublic, at) in try await database.client.query("""
            SELECT author, body, public, created_at FROM case_notes WHERE request_id = \(requestID) ORDER BY created_at, note_id
            """, logger: logger).decode((String, String, Bool, Date).self) {
            detail.notes.append(.init(author: author, body: body, public: isPublic, at: at))
        }
        for try await (status, at, actor, note) in try await database.client.query("""
            SELECT status, changed_at, actor, note FROM status_history WHERE request_id = \(requestID) ORDER BY changed_at, history_id
            """, logger: logger).decode((String, Date, String, String).self) {
            detail.history.append(.init(status: status, at: at, actor: actor, note: note))
        }
        for try await (action, actor, at, details) in try await database.client.query("""
            SELECT action, actor, at, details::text FROM audit_log WHERE request_id = \(requestID) ORDER BY at, audit_id
            """, logger: logger).decode((String, String, Date, String).self) {
            detail.audit.append(.init(action: action, actor: actor, at: at, details: details))
        }
        return detail
    }

    /// Makes `child` a child of `parent` (or of `parent`'s own parent: families have one root).
    /// The child's own children, if any, follow it to the new parent.
    public func merge(_ child: String, into parent: String, actor: String) async throws {
        try await transaction { tx, logger in
            let c = try await Self.lock(child, tx, logger)
            var p = try await Self.lock(parent, tx, logger)
            if let root = p.parent { p = try await Self.lockID(root, tx, logger) }
            guard c.id != p.id else { throw CaseError.conflict("\(child) cannot be merged into itself") }
            guard c.serviceCode == p.serviceCode else {
                throw CaseError.conflict("\(child) is \(c.serviceCode) and \(parent) is \(p.serviceCode): only cases of one type merge")
            }
            let old = c.parent
            try await tx.query("""
                UPDATE service_requests SET parent_request_id = \(p.id), updated_at = now()
                WHERE request_id = \(c.id) OR parent_request_id = \(c.id)
                """, logger: logger)
            try await tx.query("""
                INSERT INTO dedup_decisions (request_id, parent_request_id, age_seconds, same_address, same_block, score, rule, kind, decided_by)
                SELECT \(c.id), \(p.id), greatest(0, extract(epoch FROM c.requested_at - p.requested_at)), c.address_key <> '' AND c.address_key = p.address_key,
                       c.block_key <> '' AND c.block_key = p.block_key, 1, '{"by": "staff"}'::jsonb, 'staff', \(actor)
                FROM service_requests c, service_requests p WHERE c.request_id = \(c.id) AND p.request_id = \(p.id)
                """, logger: logger)
            try await Self.recount([p.id, c.id] + (old.map { [$0] } ?? []), tx, logger)
            try await Self.audit(c.id, "merged", actor, ["parent_request_id": String(p.id)], tx, logger)
        }
    }

    /// Undoes a merge: the child becomes its own case again; the decision is kept, marked reverted.
    public func unmerge(_ child: String, actor: String) async throws {
        try await transaction { tx, logger in
            let c = try await Self.lock(child, tx, logger)
            guard let parent = c.parent else { throw CaseError.conflict("\(child) is not merged into another case") }
            _ = try await Self.lockID(parent, tx, logger)
            try await tx.query("UPDATE service_requests SET parent_request_id = NULL, updated_at = now() WHERE request_id = \(c.id)", logger: logger)
            try await tx.query("""
                UPDATE dedup_decisions SET reverted_at = now() WHERE request_id = \(c.id) AND reverted_at IS NULL
                """, logger: logger)
            try await Self.recount([parent], tx, logger)
            try await Self.audit(c.id, "unmerged", actor, ["parent_request_id": String(parent)], tx, logger)
        }
    }

    /// Sets a case's status. A parent's status flows to its children (each keeps its own
    /// tracking number and requester, so every requester can be told); the children's notes
    /// name the parent. A child's own status cannot be set apart from its parent's: unmerge first.
    public func setStatus(_ tracking: String, to status: CaseStatus, note: String, actor: String) async throws {
        try await transaction { tx, logger in
            let c = try await Self.lock(tracking, tx, logger)
            if c.parent != nil { throw CaseError.conflict("\(tracking) follows its parent's status; unmerge it to change it alone") }
            let closing = !status.isOpen
            try await tx.query("""
                UPDATE service_requests SET status = \(status.rawValue), status_notes = \(note), updated_at = now(),
                       closed_at = CASE WHEN \(closing) THEN now() ELSE NULL END,
                       acknowledged_at = CASE WHEN \(status != .open) THEN coalesce(acknowledged_at, now()) ELSE acknowledged_at END
                WHERE request_id = \(c.id)
                """, logger: logger)
            let childNote = note.isEmpty ? "same as \(tracking), which this request was merged into" : "\(note) (with \(tracking), which this request was merged into)"
            try await tx.query("""
                UPDATE service_requests SET status = \(status.rawValue), status_notes = \(childNote), updated_at = now(),
                       closed_at = CASE WHEN \(closing) THEN now() ELSE NULL END,
                       acknowledged_at = CASE WHEN \(status != .open) THEN coalesce(acknowledged_at, now()) ELSE acknowledged_at END
                WHERE parent_request_id = \(c.id)
                """, logger: logger)
            try await tx.query("""
                INSERT INTO status_history (request_id, status, changed_at, actor, note)
                SELECT request_id, \(status.rawValue), now(), \(actor), CASE WHEN request_id = \(c.id) THEN \(note) ELSE \(childNote) END
                FROM service_requests WHERE request_id = \(c.id) OR parent_request_id = \(c.id)
                """, logger: logger)
            try await Self.audit(c.id, "status", actor, ["status": status.rawValue], tx, logger)
        }
    }

    /// Adds a note to a case: internal (staff only) or public (also in Open311's notes).
    public func addNote(_ tracking: String, body: String, isPublic: Bool, actor: String) async throws {
        try await transaction { tx, logger in
            let c = try await Self.lock(tracking, tx, logger)
            try await tx.query("""
                INSERT INTO case_notes (request_id, author, body, public) VALUES (\(c.id), \(actor), \(body), \(isPublic))
                """, logger: logger)
            try await tx.query("UPDATE service_requests SET updated_at = now() WHERE request_id = \(c.id)", logger: logger)
            try await Self.audit(c.id, "note", actor, ["public": isPublic ? "true" : "false"], tx, logger)
        }
    }

    // MARK: Helpers

    struct Locked { var id: Int64; var parent: Int64?; var serviceCode: String }

    private func transaction(_ body: @Sendable (PostgresConnection, Logger) async throws -> Void) async throws {
        do {
            try await database.client.withTransaction(logger: database.logger) { tx in try await body(tx, database.logger) }
        } catch let error as PostgresTransactionError {
            if let own = error.closureError as? CaseError { throw own }
            throw error
        }
    }

    private static func lock(_ tracking: String, _ tx: PostgresConnection, _ logger: Logger) async throws -> Locked {
        for try await (id, parent, code) in try await tx.query("""
            SELECT request_id, parent_request_id, service_code FROM service_requests WHERE service_request_id = \(tracking) FOR UPDATE
            """, logger: logger).decode((Int64, Int64?, String).self) {
            return Locked(id: id, parent: parent, serviceCode: code)
        }
        throw CaseError.notFound("no case \(tracking)")
    }

    private static func lockID(_ id: Int64, _ tx: PostgresConnection, _ logger: Logger) async throws -> Locked {
        for try await (id, parent, code) in try await tx.query("""
            SELECT request_id, parent_request_id, service_code FROM service_requests WHERE request_id = \(id) FOR UPDATE
            """, logger: logger).decode((Int64, Int64?, String).self) {
            return Locked(id: id, parent: parent, serviceCode: code)
        }
        throw CaseError.notFound("no case with id \(id)")
    }

    /// Child counts are derived, never trusted: recounted from the parent links.
    private static func recount(_ ids: [Int64], _ tx: PostgresConnection, _ logger: Logger) async throws {
        try await tx.query("""
            UPDATE service_requests r SET child_count = (SELECT count(*) FROM service_requests c WHERE c.parent_request_id = r.request_id)
            WHERE r.request_id = ANY(\(ids)::bigint[])
            """, logger: logger)
    }

    private static func audit(_ id: Int64, _ action: String, _ actor: String, _ details: [String: String], _ tx: PostgresConnection,
                              _ logger: Logger) async throws {
        let detailsText = String(decoding: try JSONEncoder().encode(details), as: UTF8.self)
        try await tx.query("""
            INSERT INTO audit_log (request_id, action, actor, details) VALUES (\(id), \(action), \(actor), \(detailsText)::jsonb)
            """, logger: logger)
    }
}
