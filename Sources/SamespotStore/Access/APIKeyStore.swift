import Crypto
import Foundation
import PostgresNIO
import SamespotCore

/// API keys in PostgreSQL. A key is 192 random bits, shown once when created; the table keeps
/// only its SHA-256 (a fast hash is enough for a random secret of that size: there is nothing
/// to guess from it) and its first characters, so keys can be told apart in a list.
public struct APIKeyStore: Sendable {
    public static let keyPrefix = "ssk_"
    public let database: Database
    public init(database: Database) { self.database = database }

    public struct KeyInfo: Sendable, Equatable, Codable {
        public var id: Int64
        public var prefix: String
        public var role: Role
        public var wards: [String]
        public var label: String
        public var createdAt: Date
        public var revokedAt: Date?
    }

    /// Creates a key and returns it with its record; the key itself is not kept anywhere.
    /// - Parameter staffID: the member of staff the key belongs to, who then signs the letters it sends.
    public func create(role: Role, wards: [String] = [], label: String = "", staffID: Int64? = nil) async throws -> (key: String, info: KeyInfo) {
        guard role == .wardOffice || wards.isEmpty else {
            throw StoreError.conflict("only ward_office keys are scoped to wards")
        }
        guard role != .wardOffice || !wards.isEmpty else {
            throw StoreError.conflict("a ward_office key needs the wards it serves (--wards 1,2)")
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let key = Self.keyPrefix + secret
        if let staffID {
            var known = false
            for try await _ in try await database.client.query("SELECT 1 FROM staff WHERE staff_id = \(staffID)", logger: database.logger) {
                known = true
            }
            guard known else { throw StoreError.notFound("no staff member \(staffID): add them first (POST /v1/staff)") }
        }
        let rows = try await database.client.query("""
            INSERT INTO api_keys (key_prefix, key_hash, role, wards, label, staff_id)
            VALUES (\(String(key.prefix(12))), \(ByteBuffer(bytes: Self.hash(key))), \(role.rawValue), \(wards), \(label), \(staffID))
            RETURNING key_id, created_at
            """, logger: database.logger)
        for try await (id, created) in rows.decode((Int64, Date).self) {
            return (key, KeyInfo(id: id, prefix: String(key.prefix(12)), role: role, wards: wards, label: label, createdAt: created, revokedAt: nil))
        }
        throw StoreError.notFound("the key was not stored")
    }

    public func list() async throws -> [KeyInfo] {
        var keys: [KeyInfo] = []
        for try await (id, prefix, role, wards, label, created, revoked) in try await database.client.query("""
            SELECT key_id, key_prefix, role, wards, label, created_at, revoked_at FROM api_keys ORDER BY key_id
            """, logger: database.logger).decode((Int64, String, String, [String], String, Date, Date?).self) {
            keys.append(KeyInfo(id: id, prefix: prefix, role: Role(rawValue: role) ?? .public, wards: wards, label: label,
                                createdAt: created, revokedAt: revoked))
        }
        return keys
    }

    public func revoke(id: Int64) async throws {
        var found = false
        for try await _ in try await database.client.query("""
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE key_id = \(id) RETURNING key_id
            """, logger: database.logger) { found = true }
        guard found else { throw StoreError.notFound("no API key with id \(id)") }
    }

    /// The caller a key stands for, or nil for a key that is unknown or revoked.
    public func principal(forKey key: String) async throws -> Principal? {
        try await principal(forHash: Self.hash(key))
    }

    public func principal(forHash hash: [UInt8]) async throws -> Principal? {
        for try await (id, role, wards, label) in try await database.client.query("""
            SELECT key_id, role, wards, label FROM api_keys WHERE key_hash = \(ByteBuffer(bytes: hash)) AND revoked_at IS NULL
            """, logger: database.logger).decode((Int64, String, [String], String).self) {
            guard let role = Role(rawValue: role) else { return nil }
            return Principal(keyID: id, role: role, wards: Set(wards), label: label)
        }
        return nil
    }

    public static func hash(_ key: String) -> [UInt8] { Array(SHA256.hash(data: Data(key.utf8))) }
}
