import Foundation
import Logging
import PostgresNIO
import SamespotCore

/// The learned duplicate scorer's models: stored, switched on and off, and the one in force read
/// with the catalog (so an activation reaches every instance through the catalog's NOTIFY).
public struct DedupModelStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public struct Stored: Sendable, Equatable {
        public var id: Int64
        public var summary: String
        public var fittedAt: Date
        public var fittedBy: String
        public var active: Bool
    }

    /// Stores a model; with `activate`, it replaces the one in force. Returns its id.
    @discardableResult
    public func save(_ model: DedupModel, summary: String, actor: String, activate: Bool) async throws -> Int64 {
        let json = String(decoding: try model.encoded(), as: UTF8.self)
        let id = try await database.client.withTransaction(logger: database.logger) { tx in
            if activate { try await tx.query("UPDATE dedup_models SET active = false WHERE active", logger: database.logger) }
            var id: Int64 = 0
            for try await row in try await tx.query("""
                INSERT INTO dedup_models (model, summary, fitted_by, active) VALUES (\(json)::jsonb, \(summary), \(actor), \(activate))
                RETURNING model_id
                """, logger: database.logger).decode(Int64.self) { id = row }
            try await tx.query("""
                INSERT INTO audit_log (action, actor, details)
                VALUES ('dedup_model_saved', \(actor), jsonb_build_object('model_id', \(id), 'active', \(activate)))
                """, logger: database.logger)
            return id
        }
        if activate { try await CatalogStore(database: database).notifyChanged() }
        return id
    }

    /// Switches the learned scorer off: every type goes back to its rule.
    public func deactivate(actor: String) async throws {
        try await database.client.withTransaction(logger: database.logger) { tx in
            try await tx.query("UPDATE dedup_models SET active = false WHERE active", logger: database.logger)
            try await tx.query("INSERT INTO audit_log (action, actor, details) VALUES ('dedup_model_off', \(actor), '{}'::jsonb)",
                               logger: database.logger)
        }
        try await CatalogStore(database: database).notifyChanged()
    }

    /// The model in force, if any. A stored model this build cannot read is reported, not guessed at.
    public func active() async throws -> DedupModel? {
        for try await json in try await database.client.query(
            "SELECT model::text FROM dedup_models WHERE active", logger: database.logger).decode(String.self) {
            return try DedupModel.decode(Array(json.utf8))
        }
        return nil
    }

    public func list() async throws -> [Stored] {
        var out: [Stored] = []
        for try await (id, summary, at, by, active) in try await database.client.query(
            "SELECT model_id, summary, fitted_at, fitted_by, active FROM dedup_models ORDER BY model_id",
            logger: database.logger).decode((Int64, String, Date, String, Bool).self) {
            out.append(Stored(id: id, summary: summary, fittedAt: at, fittedBy: by, active: active))
        }
        return out
    }
}
