import PostgresNIO
import SamespotCore

/// Dedup rules in PostgreSQL, one per service type; staff edit them through the API.
public struct RuleStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// The type's rule in force, and whether it is stored (rather than the default for its name).
    public func rule(for code: String) async throws -> (rule: DedupRule, stored: Bool) {
        guard let type = try await CatalogStore(database: database).type(code) else {
            throw StoreError.notFound("unknown service_code \(code)")
        }
        return (type.rule, type.ruleIsStored)
    }

    public func save(_ rule: DedupRule, actor: String) async throws {
        let statuses = rule.openStatuses.map(\.rawValue).sorted()
        let rows = try await database.client.query("""
            INSERT INTO dedup_rules (service_code, enabled, match_unit, radius_m, window_seconds, open_statuses, updated_by)
            SELECT service_code, \(rule.enabled), \(rule.matchUnit.rawValue), \(rule.radiusMetres), \(rule.windowSeconds), \(statuses)::text[], \(actor)
            FROM service_types WHERE service_code = \(rule.serviceCode)
            ON CONFLICT (service_code) DO UPDATE SET enabled = excluded.enabled, match_unit = excluded.match_unit,
                radius_m = excluded.radius_m, window_seconds = excluded.window_seconds, open_statuses = excluded.open_statuses,
                updated_at = now(), updated_by = excluded.updated_by
            RETURNING service_code
            """, logger: database.logger)
        var saved = false
        for try await _ in rows { saved = true }
        guard saved else { throw StoreError.notFound("unknown service_code \(rule.serviceCode)") }
        try await CatalogStore(database: database).notifyChanged()
    }
}
