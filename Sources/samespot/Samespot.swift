import ArgumentParser
import Foundation
import Logging
import SamespotCore
import SamespotStore

@main
struct Samespot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samespot",
        abstract: "311 request intake deduplication: geocode, place in wards, merge duplicates, serve Open311.",
        version: SamespotVersion.current,
        subcommands: [Serve.self, Migrate.self, Import.self, Keys.self, Wards.self, Evaluate.self, Bench.self, Faults.self, GeocodeFile.self, Rules.self, Purge.self, Generate.self]
    )

    /// Runs the command; a PostgreSQL failure is printed as what went wrong and what to do,
    /// not as PostgresNIO's deliberately generic description.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            let url = databaseURL().flatMap { try? DatabaseSettings(url: $0).redacted }
            if let text = DatabaseErrorText.describe(error, url: url) {
                exit(withError: CommandLineError(message: text))
            }
            exit(withError: error)
        }
    }
}

extension Samespot {
    /// The database URL the command was given (`--database-url`, else the environment's), to
    /// name the server in a message; without its password.
    static func databaseURL() -> String? {
        let arguments = CommandLine.arguments
        for (i, argument) in arguments.enumerated() {
            if argument == "--database-url", i + 1 < arguments.count { return arguments[i + 1] }
            if argument.hasPrefix("--database-url=") { return String(argument.dropFirst("--database-url=".count)) }
        }
        return ProcessInfo.processInfo.environment["SAMESPOT_DATABASE_URL"]
    }
}

/// A failure explained for the person at the terminal.
struct CommandLineError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
