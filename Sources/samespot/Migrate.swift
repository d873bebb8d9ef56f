import ArgumentParser
import SamespotStore

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the schema migrations in sql/ that the database does not have yet (safe to repeat).")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var migrations: MigrationOptions

    func run() async throws {
        let files = try Migration.load(directory: try migrations.directory())
        let logger = database.makeLogger("samespot.migrate")
        let applied = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
            try await db.ping()
            return try await Migrator(database: db).migrate(files)
        }
        print(applied.isEmpty
              ? "schema is up to date (\(files.count) migrations)"
              : "applied \(applied.count) migration(s): " + applied.map { "\($0.version)_\($0.name)" }.joined(separator: ", "))
    }
}
