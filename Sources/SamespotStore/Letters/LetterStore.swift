import Foundation
import PostgresNIO
import SamespotCore

/// The letters' templates, and the outbox the mailer reads and marks sent.
public struct LetterStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public func templates() async throws -> [LetterTemplate] {
        try await Self.templates(from: try await database.client.query(Self.templatesQuery, logger: database.logger))
    }

    /// The templates' query and rows, shared with `CaseStore`, which reads them inside its transaction.
    static let templatesQuery: PostgresQuery = "SELECT kind, subject, body, updated_at, updated_by FROM letter_templates ORDER BY kind"

    static func templates(from rows: PostgresRowSequence) async throws -> [LetterTemplate] {
        var result: [LetterTemplate] = []
        for try await (kind, subject, body, at, by) in rows.decode((String, String, String, Date, String).self) {
            if let kind = LetterKind(rawValue: kind) { result.append(LetterTemplate(kind: kind, subject: subject, body: body, updatedAt: at, updatedBy: by)) }
        }
        return result
    }

    public func save(_ template: LetterTemplate, actor: String) async throws {
        try await database.transaction { tx in
            try await tx.query("""
                INSERT INTO letter_templates (kind, subject, body, updated_at, updated_by)
                VALUES (\(template.kind.rawValue), \(template.subject), \(template.body), now(), \(actor))
                ON CONFLICT (kind) DO UPDATE SET subject = excluded.subject, body = excluded.body, updated_at = now(), updated_by = excluded.updated_by
                """, logger: database.logger)
            try await tx.query("""
                INSERT INTO audit_log (action, actor, details) VALUES ('letter_template_saved', \(actor), jsonb_build_object('kind', \(template.kind.rawValue)))
                """, logger: database.logger)
        }
    }

    /// A letter in the outbox, with where it goes: for the mailer and the phone list only.
    public struct Message: Sendable {
        public var id: Int64
        public var serviceRequestID: String
        public var aboutServiceRequestID: String
        public var kind: String
        public var channel: String
        public var recipientName: String
        /// The e-mail address, phone number or postal address, by channel.
        public var recipient: String
        public var subject: String
        public var body: String
        public var createdAt: Date
        public var sentAt: Date?
    }

    public func outbox(channel: String?, unsentOnly: Bool, limit: Int) async throws -> [Message] {
        var result: [Message] = []
        for try await row in try await database.client.query("""
            SELECT o.message_id, r.service_request_id, a.service_request_id, o.kind, o.channel,
                   btrim(q.first_name || ' ' || q.last_name),
                   CASE o.channel WHEN 'email' THEN q.email WHEN 'phone' THEN q.phone ELSE q.postal_address END,
                   o.subject, o.body, o.created_at, o.sent_at
            FROM outbox o JOIN service_requests r ON r.request_id = o.request_id
            JOIN service_requests a ON a.request_id = o.about_request_id
            JOIN requesters q ON q.requester_id = o.requester_id
            WHERE (\(channel)::text IS NULL OR o.channel = \(channel)) AND (NOT \(unsentOnly) OR o.sent_at IS NULL)
            ORDER BY o.created_at, o.message_id
            LIMIT \(limit)
            """, logger: database.logger).decode((Int64, String, String, String, String, String, String, String, String, Date, Date?).self) {
            result.append(Message(id: row.0, serviceRequestID: row.1, aboutServiceRequestID: row.2, kind: row.3, channel: row.4,
                                  recipientName: row.5, recipient: row.6, subject: row.7, body: row.8, createdAt: row.9, sentAt: row.10))
        }
        return result
    }

    /// Marks letters sent (the mailer sent them, or staff made the call); answers how many were
    /// still unsent.
    public func markSent(_ ids: [Int64], actor: String) async throws -> Int {
        var marked = 0
        for try await _ in try await database.client.query("""
            UPDATE outbox SET sent_at = now(), sent_by = \(actor) WHERE message_id = ANY(\(ids)::int8[]) AND sent_at IS NULL RETURNING message_id
            """, logger: database.logger) { marked += 1 }
        return marked
    }
}
