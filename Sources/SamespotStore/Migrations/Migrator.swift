import Foundation
import Logging
import PostgresNIO
import SamespotCore

/// One schema change: a file `sql/NNNN_name.sql`, applied once, in order.
public struct Migration: Sendable, Equatable {
    public var version: Int
    public var name: String
    public var sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    public var checksum: String { String(fnv1a64(sql), radix: 16) }

    /// Reads every `NNNN_name.sql` in `directory`, ordered by number.
    public static func load(directory: String) throws -> [Migration] {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw StoreError.migration("cannot read the migrations folder \(directory): \(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for file in files where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw StoreError.migration("\(file): migration files are named NNNN_name.sql")
            }
            let sql = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
            throw StoreError.migration("two migrations share the number \(a.version): \(a.name) and \(b.name)")
        }
        return migrations
    }
}

/// Applies migrations that are not applied yet, each in its own transaction, recorded in
/// `schema_migrations`. Safe to run again (nothing changes) and from several instances at
/// once (an advisory lock makes them take turns).
public struct Migrator: Sendable {
    public let database: Database
    static let lockKey: Int64 = 0x5A4D_5350_4F54  // "SMSPOT": one key for every Samespot instance

    public init(database: Database) { self.database = database }

    /// Applies what is missing; returns the migrations applied by this call.
    @discardableResult
    public func migrate(_ migrations: [Migration]) async throws -> [Migration] {
        let logger = database.logger
        return try await database.client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: logger)
            do {
                let applied = try await Self.migrate(migrations, on: connection, logger: logger)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
                throw error
            }
        }
    }

    private static func migrate(_ migrations: [Migration], on connection: PostgresConnection, logger: Logger) async throws -> [Migration] {
        try await connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger)
        var done: [Int: String] = [:]
        for try await (version, checksum) in try await connection.query(
            "SELECT version, checksum FROM schema_migrations", logger: logger
        ).decode((Int, String).self) {
            done[version] = checksum
        }
        var applied: [Migration] = []
        for migration in migrations {
            if let checksum = done[migration.version] {
                guard checksum == migration.checksum else {
                    throw StoreError.migration(
                        "migration \(migration.version)_\(migration.name) was changed after it was applied; "
                            + "add a new migration instead of editing an applied one")
                }
                continue
            }
            do {
                try await connection.withTransaction(logger: logger) { tx in
                    for statement in SQLScript.statements(migration.sql) {
                        try await tx.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await tx.query("""
                        INSERT INTO schema_migrations (version, name, checksum)
                        VALUES (\(migration.version), \(migration.name), \(migration.checksum))
                        """, logger: logger)
                }
            } catch let error as PostgresTransactionError {
                let cause = error.closureError ?? error.commitError ?? error
                throw StoreError.migration("migration \(migration.version)_\(migration.name) failed and was rolled back: \(String(reflecting: cause))")
            }
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            applied.append(migration)
        }
        return applied
    }

    /// The highest applied version, or 0 on an empty database.
    public func currentVersion() async throws -> Int {
        let rows = try await database.client.query(
            "SELECT coalesce(max(version), 0) FROM schema_migrations", logger: database.logger)
        for try await version in rows.decode(Int.self) { return version }
        return 0
    }
}
