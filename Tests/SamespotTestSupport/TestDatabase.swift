import Foundation
import Logging
import PostgresNIO
import SamespotService
import SamespotStore

/// Paths and settings the tests share. The database comes from SAMESPOT_TEST_DATABASE_URL
/// (set by scripts/test), a URL to an administrative database on the test cluster.
public enum TestEnvironment {
    public static let repositoryRoot: String = {
        // Tests/SamespotTestSupport/TestDatabase.swift → the repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    public static var dataDirectory: String { repositoryRoot + "/data" }
    public static var sqlDirectory: String { repositoryRoot + "/sql" }
    /// The real public data the sample city was made from, beside the repository (CI has it too).
    public static var sharedDataDirectory: String { repositoryRoot + "/../shared/data" }

    public static let adminURL = ProcessInfo.processInfo.environment["SAMESPOT_TEST_DATABASE_URL"]
        ?? "postgres://samespot@127.0.0.1:5433/postgres"

    public static let logger: Logger = {
        var logger = Logger(label: "samespot.tests")
        logger.logLevel = .warning
        return logger
    }()

    public static let city = SampleCity.city

    public static func data(_ file: String) throws -> [UInt8] {
        let path = dataDirectory + "/" + file
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError.notFound("test data \(path) is missing")
        }
        return Array(data)
    }
}

/// Fresh databases for tests, made on the test cluster and dropped afterwards.
public enum TestDatabase {
    /// A new, empty database (migrated unless told otherwise) for the length of `body`.
    public static func withFresh<T: Sendable>(
        migrated: Bool = true, _ body: @Sendable (Database) async throws -> T
    ) async throws -> T {
        let name = "samespot_test_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try await admin("CREATE DATABASE \(name)")
        // Tests need no durability: skipping the commit flush keeps a 2-core CI machine's disk free.
        try await admin("ALTER DATABASE \(name) SET synchronous_commit = off")
        do {
            let result = try await withDatabase(named: name) { db in
                if migrated {
                    try await Migrator(database: db).migrate(try Migration.load(directory: TestEnvironment.sqlDirectory))
                    try await TestKeys.install(in: db)
                }
                return try await body(db)
            }
            try await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            return result
        } catch {
            try? await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
    }

    /// The bundled sample city, imported once per test process and shared: tests only read it.
    public static func withSampleCity<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        let name = try await SampleCityFixture.shared.databaseName()
        return try await withDatabase(named: name, body)
    }

    /// A copy of the sample city of its own (`CREATE DATABASE … TEMPLATE`, a file copy: under a
    /// second), for tests that write; dropped afterwards.
    public static func withSampleCityCopy<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        let template = try await SampleCityFixture.shared.templateName()
        let name = "samespot_test_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try await copy(template, to: name)
        do {
            let result = try await withDatabase(named: name, body)
            try await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            return result
        } catch {
            try? await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
    }

    /// A template may not have sessions while it is copied; the loader's last connections may
    /// take a moment to close, so the copy is retried for a few seconds.
    static func copy(_ template: String, to name: String) async throws {
        var attempt = 0
        while true {
            do {
                try await admin("CREATE DATABASE \(name) TEMPLATE \(template)")
                // Settings are not copied with the template.
                try await admin("ALTER DATABASE \(name) SET synchronous_commit = off")
                return
            } catch {
                attempt += 1
                if attempt >= 50 { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    public static func settings(named name: String) throws -> DatabaseSettings {
        var settings = try DatabaseSettings(url: TestEnvironment.adminURL)
        settings.database = name
        return settings
    }

    static func withDatabase<T: Sendable>(named name: String, _ body: @Sendable (Database) async throws -> T) async throws -> T {
        do {
            return try await Database.withRunning(settings: try settings(named: name), logger: TestEnvironment.logger, body)
        } catch {
            throw TestDatabaseError.described(error)
        }
    }

    /// A test process has no hook at its end, so its template and shared copy outlive it; the
    /// next process drops those of processes that are gone (a database named after a live
    /// process, such as a run beside this one, is left alone).
    static func dropLeftoversOfEndedProcesses() async throws {
        let settings = try DatabaseSettings(url: TestEnvironment.adminURL)
        let names = try await Database.withRunning(settings: settings, logger: TestEnvironment.logger) { db in
            var names: [String] = []
            for try await name in try await db.client.query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'samespot\\_test\\_%'", logger: db.logger).decode(String.self) {
                names.append(name)
            }
            return names
        }
        for name in names {
            guard let pid = name.split(separator: "_").dropFirst(2).first.flatMap({ pid_t($0) }), pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            try await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    /// Drops a test database while it is in use (its sessions are ended), as when the database
    /// goes away under a running service; `withFresh` then finds it gone and moves on.
    public static func dropInUse(_ name: String) async throws {
        try await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    static func admin(_ sql: String) async throws {
        let settings = try DatabaseSettings(url: TestEnvironment.adminURL)
        do {
            _ = try await Database.withRunning(settings: settings, logger: TestEnvironment.logger) { db in
                try await db.client.query(PostgresQuery(unsafeSQL: sql), logger: db.logger)
            }
        } catch {
            throw TestDatabaseError.described(error)
        }
    }
}

/// A PostgreSQL error that escaped a test, with the server's message, SQLSTATE and query:
/// PostgresNIO's own description is generic on purpose (no data in service logs), which
/// leaves a failed CI run saying only "PSQLError". Tests run on public sample data, so it may show.
public struct TestDatabaseError: Error, CustomStringConvertible {
    public let underlying: any Error
    public let description: String

    /// `error` itself unless it is PostgreSQL's (or a transaction's around PostgreSQL's), so
    /// tests that expect their own error types still see them.
    static func described(_ error: any Error) -> any Error {
        guard let psql = DatabaseErrorText.postgresError(in: error), let text = DatabaseErrorText.describe(psql, url: nil) else { return error }
        return TestDatabaseError(underlying: error, description: text + " — " + String(reflecting: psql))
    }
}

/// Loads the sample city once per test process into a template database that no test connects
/// to, and copies it: one copy shared by the tests that only read, one per test that writes.
actor SampleCityFixture {
    static let shared = SampleCityFixture()
    private var loadingTemplate: Task<String, any Error>?
    private var loadingShared: Task<String, any Error>?

    func templateName() async throws -> String {
        if let loadingTemplate { return try await loadingTemplate.value }
        let task = Task<String, any Error> {
            let name = "samespot_test_\(getpid())_template"
            try await TestDatabase.dropLeftoversOfEndedProcesses()
            try await TestDatabase.admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            try await TestDatabase.admin("CREATE DATABASE \(name)")
            try await TestDatabase.admin("ALTER DATABASE \(name) SET synchronous_commit = off")
            try await TestDatabase.withDatabase(named: name) { db in
                try await Migrator(database: db).migrate(try Migration.load(directory: TestEnvironment.sqlDirectory))
                // The 2021 requests only: the history files would slow every test run.
                _ = try await ImportService(database: db).sampleCity(from: TestEnvironment.dataDirectory, includeHistory: false)
                try await TestKeys.install(in: db)
            }
            return name
        }
        loadingTemplate = task
        return try await task.value
    }

    func databaseName() async throws -> String {
        if let loadingShared { return try await loadingShared.value }
        let task = Task<String, any Error> {
            let template = try await templateName()
            let name = "samespot_test_\(getpid())_sample"
            try await TestDatabase.admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            try await TestDatabase.copy(template, to: name)
            return name
        }
        loadingShared = task
        return try await task.value
    }
}
