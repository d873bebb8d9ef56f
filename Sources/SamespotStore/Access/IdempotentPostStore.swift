import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Idempotency-Keys of the POSTs that are not intake (intake keeps its key on the case, in the
/// case's own transaction). A key is claimed before the change runs, and the answer stored
/// after it; the claim is a row with a unique key, so two instances cannot both run it.
public struct IdempotentPostStore: Sendable {
    public let database: Database
    /// How long a key is remembered.
    public static let keptFor: Duration = .seconds(24 * 3_600)
    /// A claim whose answer never came (the process died mid-request) may be taken over after this.
    public static let abandonedAfter: Duration = .seconds(60)

    public init(database: Database) { self.database = database }

    /// An answer stored for a key.
    public struct StoredAnswer: Sendable, Equatable {
        public var status: Int
        public var contentType: String?
        public var body: [UInt8]

        public init(status: Int, contentType: String?, body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    public enum Claim: Sendable, Equatable {
        /// The key is this request's: run it, then `finish` or `release`.
        case claimed
        /// The same request was answered before: answer it again.
        case answered(StoredAnswer)
        /// The same request is being answered now (a copy racing it).
        case inProgress
        /// The key was used for another request.
        case usedForAnother
    }

    /// SHA-256 of what identifies a request: its method, path and body.
    public static func fingerprint(method: String, path: String, body: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array("\(method) \(path)\n".utf8))
        hasher.update(data: body)
        return Array(hasher.finalize())
    }

    public func claim(_ scopeKey: String, fingerprint: [UInt8]) async throws -> Claim {
        // A key released between the two statements below is free again: claim it anew.
        for _ in 0..<3 {
            if try await take(scopeKey, fingerprint: fingerprint) { return .claimed }
            let earlier = try await database.client.query("""
                SELECT request_hash, status::int, content_type, body FROM idempotent_posts WHERE scope_key = \(scopeKey)
                """, logger: database.logger)
            for try await (storedHash, status, contentType, body) in earlier.decode((ByteBuffer, Int?, String?, ByteBuffer?).self) {
                guard Array(buffer: storedHash) == fingerprint else { return .usedForAnother }
                guard let status else { return .inProgress }
                return .answered(StoredAnswer(status: status, contentType: contentType, body: body.map { Array(buffer: $0) } ?? []))
            }
        }
        return .inProgress
    }

    /// Claims the key, or takes over a claim abandoned unanswered; prunes a few old keys on the
    /// way, so the table holds about a day's keys.
    private func take(_ scopeKey: String, fingerprint: [UInt8]) async throws -> Bool {
        let abandoned = Int(Self.abandonedAfter.components.seconds), kept = Int(Self.keptFor.components.seconds)
        let rows = try await database.client.query("""
            WITH pruned AS (
                DELETE FROM idempotent_posts WHERE scope_key IN (
                    SELECT scope_key FROM idempotent_posts WHERE claimed_at < now() - make_interval(secs => \(kept)) LIMIT 20)
            )
            INSERT INTO idempotent_posts (scope_key, request_hash) VALUES (\(scopeKey), \(ByteBuffer(bytes: fingerprint)))
            ON CONFLICT (scope_key) DO UPDATE SET claimed_at = now()
                WHERE idempotent_posts.status IS NULL AND idempotent_posts.request_hash = excluded.request_hash
                  AND idempotent_posts.claimed_at < now() - make_interval(secs => \(abandoned))
            RETURNING true
            """, logger: database.logger)
        for try await _ in rows.decode(Bool.self) { return true }
        return false
    }

    /// Stores the answer to a claimed key.
    public func finish(_ scopeKey: String, answer: StoredAnswer) async throws {
        try await database.client.query("""
            UPDATE idempotent_posts SET status = \(answer.status), content_type = \(answer.contentType), body = \(ByteBuffer(bytes: answer.body))
            WHERE scope_key = \(scopeKey) AND status IS NULL
            """, logger: database.logger)
    }

    /// Frees a claimed key whose request failed, so a retry runs it afresh.
    public func release(_ scopeKey: String) async throws {
        try await database.client.query("DELETE FROM idempotent_posts WHERE scope_key = \(scopeKey) AND status IS NULL", logger: database.logger)
    }
}
