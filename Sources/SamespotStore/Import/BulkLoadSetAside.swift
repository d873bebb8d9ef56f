import Logging
import PostgresNIO

/// What keeps some tables checked and indexed row by row (their plain indexes and their own
/// foreign keys), set aside for a bulk load and put back after it, in the same transaction.
///
/// A load that more than doubles a table is faster checked and indexed once over the whole
/// table: PostgreSQL sorts each index's keys once instead of descending into the tree for every
/// row, and checks a foreign key with one join instead of one lookup per row (a million
/// requests and two million status rows made three million lookups). Nothing goes unchecked:
/// adding a foreign key back validates every row, and a row that fails fails the load. Primary
/// keys, unique indexes and those backing a constraint stay, so `ON CONFLICT` works as usual.
/// Altering a table locks it until the transaction ends: while the load runs, others wait
/// rather than read a table without its indexes. If anything fails, the rollback brings
/// everything back as it was.
struct BulkLoadSetAside: Sendable {
    /// `pg_get_indexdef` of each index set aside: PostgreSQL's own text for building it again.
    let indexes: [String]
    /// `ALTER TABLE … ADD CONSTRAINT …` for each foreign key set aside, from `pg_get_constraintdef`.
    let foreignKeys: [String]

    static func setAside(on tables: [String], _ connection: PostgresConnection, logger: Logger) async throws -> BulkLoadSetAside {
        var drops: [String] = []
        var indexes: [String] = [], foreignKeys: [String] = []
        // Names come from the catalog, quoted by PostgreSQL where they need it (regclass text,
        // quote_ident); the definitions are PostgreSQL's own.
        for try await (table, name, definition) in try await connection.query("""
            SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid)
            FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(\(tables)::regclass[]) ORDER BY 1, 2
            """, logger: logger).decode((String, String, String).self) {
            drops.append("ALTER TABLE \(table) DROP CONSTRAINT \(name)")
            foreignKeys.append("ALTER TABLE \(table) ADD CONSTRAINT \(name) \(definition)")
        }
        for try await (name, definition) in try await connection.query("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(\(tables)::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """, logger: logger).decode((String, String).self) {
            drops.append("DROP INDEX \(name)")
            indexes.append(definition)
        }
        for statement in drops { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
        return BulkLoadSetAside(indexes: indexes, foreignKeys: foreignKeys)
    }

    /// Builds the indexes again, then adds the foreign keys back, each checked over the whole
    /// table (their checks use the indexes just built); `stage` counts them on the progress line.
    func putBack(_ connection: PostgresConnection, logger: Logger, stage: String, progress: ImportProgress?) async throws {
        let statements = indexes + foreignKeys
        progress?(stage, 0, statements.count)
        // Each build sorts a table's keys in memory when it can, not in temporary files.
        try await connection.query("SET LOCAL maintenance_work_mem = '512MB'", logger: logger)
        for (done, statement) in statements.enumerated() {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            progress?(stage, done + 1, statements.count)
        }
    }
}
