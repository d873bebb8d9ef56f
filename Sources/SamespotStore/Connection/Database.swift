import Logging
import NIOPosix
import PostgresNIO
import SamespotCore

/// The pooled PostgreSQL client every part of Samespot shares.
///
/// `PostgresClient` needs `run()` to be running while it is used: `Database.withRunning`
/// does that for commands; the server runs it as a service beside the HTTP server.
public struct Database: Sendable {
    public let client: PostgresClient
    public let settings: DatabaseSettings
    public let logger: Logger

    public init(settings: DatabaseSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.client = PostgresClient(configuration: settings.clientConfiguration(), backgroundLogger: logger)
    }

    /// Runs `body` with the client's pool running, and stops the pool afterwards. The server is
    /// tried first with one connection of its own: a database that does not exist or a wrong
    /// password fails at once with PostgreSQL's own reason, where the pool would retry for a
    /// minute and then report only that it gave up.
    public static func withRunning<T: Sendable>(
        settings: DatabaseSettings, logger: Logger, _ body: @Sendable (Database) async throws -> T
    ) async throws -> T {
        try await check(settings, logger: logger)
        let database = Database(settings: settings, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            let outcome: Result<T, any Error>
            do {
                // Give `run()` its first step before the first lease: leasing earlier works, but
                // PostgresNIO logs a warning that would alarm whoever reads the command's output.
                try await Task.sleep(for: .milliseconds(5))
                outcome = .success(try await body(database))
            } catch {
                outcome = .failure(error)
            }
            group.cancelAll()
            await closed(group: &group, database: settings.database, logger: logger)
            return try outcome.get()
        }
    }

    /// Waits for the cancelled pool to close its connections, which takes milliseconds. A
    /// command (or test) that never ends would otherwise give no clue why, so a pool still
    /// closing after `patience` says so in the log, once.
    private static func closed(
        group: inout ThrowingTaskGroup<Void, any Error>, database: String, logger: Logger, patience: Duration = .seconds(10)
    ) async {
        let warning = Task {
            try? await Task.sleep(for: patience)
            guard !Task.isCancelled else { return }
            logger.warning("a PostgreSQL pool is still closing \(patience) after its work ended", metadata: ["database": "\(database)"])
        }
        try? await group.waitForAll()
        warning.cancel()
    }

    /// Opens and closes one connection: PostgreSQL's refusal, if any, as a `PSQLError`.
    public static func check(_ settings: DatabaseSettings, logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: try settings.connectionConfiguration(), id: 0, logger: logger)
        try await connection.close()
    }

    /// Tells every running Samespot instance that reference data changed (addresses, streets,
    /// corners, ward sets), so they rebuild their in-memory indexes.
    public func notifyReferenceChanged() async throws {
        try await client.query("NOTIFY samespot_reference_changed", logger: logger)
    }

    /// One transaction. A refusal thrown inside (a case not found, a conflict the lifecycle
    /// saw) comes out as itself, not wrapped in PostgresNIO's transaction error, so every layer
    /// above can answer it.
    public func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { tx in try await body(tx) }
        } catch let error as PostgresTransactionError {
            if let refusal = error.closureError as? any Refusal { throw refusal }
            throw error
        }
    }

    /// Checks the server answers, with a message a person can act on when it does not.
    public func ping() async throws {
        do {
            try await client.query("SELECT 1", logger: logger)
        } catch {
            throw StoreError.unreachable(settings.redacted, String(reflecting: error))
        }
    }
}

public enum StoreError: Refusal {
    case unreachable(String, String)
    case migration(String)
    case importFailed(String)
    case notFound(String)
    /// The action conflicts with the state of what it acts on (a join to a closed case).
    case conflict(String)

    public var kind: RefusalKind {
        switch self {
        case .unreachable: return .unavailable
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .migration, .importFailed: return .unprocessable
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let url, let detail):
            return "cannot reach PostgreSQL at \(url): is it running (scripts/pg start)? (\(detail))"
        case .migration(let message), .importFailed(let message), .notFound(let message), .conflict(let message):
            return message
        }
    }
}
