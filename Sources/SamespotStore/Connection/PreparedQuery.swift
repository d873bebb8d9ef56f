import PostgresNIO

/// A query PostgreSQL plans once per connection and then only executes: for the hot paths
/// (intake, matches), where planning each statement afresh cost more server CPU than running it.
///
/// It is written like any other query, by interpolation (`\(value)` becomes a bind), so the SQL
/// stays readable beside its values. The SQL text is read off `example`: interpolation gives
/// the same text (`$1`, `$2`, …) whatever the values, only the binds differ.
public protocol PreparedQuery: PostgresPreparedStatement {
    /// Any instance: only its SQL text is used.
    static var example: Self { get }
    var query: PostgresQuery { get }
}

extension PreparedQuery {
    public static var sql: String { example.query.sql }
    public func makeBindings() throws -> PostgresBindings { query.binds }
}

extension PostgresConnection {
    /// Runs `statement` prepared (planned once per connection), or as a plain query when
    /// `database` is behind a transaction pooler: a named statement lives on one server
    /// connection, and the pooler gives the next transaction another.
    func run<Statement: PreparedQuery>(
        _ statement: Statement, on database: Database
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, Statement.Row> {
        if !database.settings.behindTransactionPooler {
            return try await execute(statement, logger: database.logger)
        }
        return try await query(statement.query, logger: database.logger).map { try statement.decodeRow($0) }
    }

    /// Every row of `statement`, run on this connection (see `run`): inside a transaction.
    func rows<Statement: PreparedQuery>(of statement: Statement, on database: Database) async throws -> [Statement.Row] {
        var rows: [Statement.Row] = []
        for try await row in try await run(statement, on: database) { rows.append(row) }
        return rows
    }
}

extension Database {
    /// Every row of `statement`, run prepared on a connection of the pool (see `run`).
    func rows<Statement: PreparedQuery>(of statement: Statement) async throws -> [Statement.Row] where Statement.Row: Sendable {
        try await client.withConnection { connection in try await connection.rows(of: statement, on: self) }
    }
}
