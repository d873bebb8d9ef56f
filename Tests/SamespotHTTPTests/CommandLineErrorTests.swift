import Foundation
import SamespotStore
import SamespotTestSupport
import Testing

/// The command line says what failed in words a person can act on, and at once: not
/// PostgresNIO's generic description after a minute of retries.
@Suite struct CommandLineErrorTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, seconds: Double) {
        let process = Process()
        process.executableURL = TwoProcessRaceTests.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = "error"
        environment["SAMESPOT_DATABASE_URL"] = nil
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        let started = Date()
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), Date().timeIntervalSince(started))
    }

    @Test func databaseFailuresAreExplained() throws {
        let admin = URL(string: TestEnvironment.adminURL)!
        let base = "postgres://\(admin.user ?? "samespot")@\(admin.host ?? "127.0.0.1"):\(admin.port ?? 5433)"
        let missing = try Self.run(["migrate", "--database-url", "\(base)/samespot_no_such_database"])
        #expect(missing.status != 0)
        #expect(missing.output.contains(#"database "samespot_no_such_database" does not exist. Create the database"#), "\(missing.output)")
        #expect(missing.output.contains("[SQLSTATE 3D000]") && !missing.output.contains("Generic description"))
        // Without a schema: the message says to migrate.
        let bare = try Self.run(["keys", "list", "--database-url", "\(base)/postgres"])
        #expect(bare.output.contains("run samespot migrate"), "\(bare.output)")
        // Nobody listening: said at once (the pool alone would retry for a minute).
        let closed = try Self.run(["keys", "list", "--database-url", "postgres://samespot@127.0.0.1:9/samespot"])
        #expect(closed.output.contains("cannot connect to PostgreSQL at postgres://samespot@127.0.0.1:9/samespot: is it running"), "\(closed.output)")
        #expect(closed.status != 0)
    }

    /// A purge is refused before it starts when its day is not a day, or its archive would
    /// overwrite a file (an earlier archive may be the only copy of what it purged).
    @Test func purgeArgumentsAreCheckedFirst() throws {
        let notADay = try Self.run(["purge", "--finished-before", "last year"])
        #expect(notADay.status != 0)
        #expect(notADay.output.contains("--finished-before last year is not a day: write YYYY-MM-DD, e.g. 2014-01-01"), "\(notADay.output)")
        let existing = FileManager.default.temporaryDirectory.appendingPathComponent("samespot-archive-\(getpid()).csv").path
        _ = FileManager.default.createFile(atPath: existing, contents: Data("earlier archive\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: existing) }
        let overwrite = try Self.run(["purge", "--finished-before", "2014-01-01", "--archive", existing])
        #expect(overwrite.status != 0)
        #expect(overwrite.output.contains("\(existing) exists: the archive is written to a new file"), "\(overwrite.output)")
        #expect(FileManager.default.contents(atPath: existing) == Data("earlier archive\n".utf8))
    }

    /// A database whose schema is older than the build is refused at start, with what to run:
    /// without it, every intake would fail on the function the missing migration adds.
    @Test func serveRefusesASchemaOlderThanTheBuild() async throws {
        try await TestDatabase.withFresh(migrated: false) { db in
            let migrations = try Migration.load(directory: TestEnvironment.sqlDirectory)
            try await Migrator(database: db).migrate(Array(migrations.dropLast()))
            let old = try Self.run(["serve", "--database-url", db.settings.url, "--port", "0"])
            #expect(old.status != 0)
            #expect(old.output.contains(
                "the database's schema is at version \(migrations.dropLast().last?.version ?? 0) and this build needs \(migrations.last?.version ?? 0): run samespot migrate first, or serve with --migrate"),
                "\(old.output)")
        }
    }

    /// A pooler in transaction mode needs the primary's own URL beside it; an unknown pooler
    /// mode is named.
    @Test func serveBehindAPoolerAsksForADirectURL() throws {
        let noDirect = try Self.run(["serve", "--database-pooler", "transaction"])
        #expect(noDirect.status != 0)
        #expect(noDirect.output.contains("give the primary's own URL as --direct-database-url"), "\(noDirect.output)")
        let unknown = try Self.run(["serve", "--database-pooler", "statement"])
        #expect(unknown.status != 0)
        #expect(unknown.output.contains("--database-pooler statement is not known: write none or transaction"), "\(unknown.output)")
    }

    /// Seconds that are not a duration are refused before anything starts: infinity would reach a
    /// conversion to milliseconds that stops the process.
    @Test func serveRefusesSecondsThatAreNotADuration() throws {
        for (option, value) in [("--slow-request", "inf"), ("--slow-request", "-1"), ("--idle-timeout", "nan")] {
            let refused = try Self.run(["serve", "\(option)=\(value)"])
            #expect(refused.status != 0)
            #expect(refused.output.contains("is not a number of seconds: write 0 or more (0: never)"), "\(option) \(value): \(refused.output)")
        }
    }
}

