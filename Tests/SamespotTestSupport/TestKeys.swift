import Logging
import NIOCore
import PostgresNIO
import SamespotCore
import SamespotStore

/// API keys every test database has, one per role, with plain texts the tests know (only their
/// hashes are stored, as in production). The ward office serves wards 15 and 28 of any set.
public enum TestKeys {
    public static let admin = "ssk_test_admin"
    public static let intake = "ssk_test_intake"
    public static let planner = "ssk_test_planner"
    public static let `public` = "ssk_test_public"
    public static let wardOffice = "ssk_test_ward_office"
    /// Created and revoked at once: it must never work.
    public static let revoked = "ssk_test_revoked"
    public static let wardOfficeWards = ["15", "28"]

    public static func key(for role: Role) -> String {
        switch role {
        case .admin: return admin
        case .intake: return intake
        case .planner: return planner
        case .public: return `public`
        case .wardOffice: return wardOffice
        }
    }

    static func install(in db: Database) async throws {
        let rows: [(String, Role, [String], Bool)] = [
            (admin, .admin, [], false), (intake, .intake, [], false), (planner, .planner, [], false),
            (`public`, .public, [], false), (wardOffice, .wardOffice, wardOfficeWards, false), (revoked, .intake, [], true),
        ]
        for (key, role, wards, revoked) in rows {
            try await db.client.query("""
                INSERT INTO api_keys (key_prefix, key_hash, role, wards, label, revoked_at)
                VALUES (\(String(key.prefix(12))), \(ByteBuffer(bytes: APIKeyStore.hash(key))), \(role.rawValue), \(wards), 'test',
                        CASE WHEN \(revoked) THEN now() END)
                """, logger: db.logger)
        }
    }
}
