import ArgumentParser
import Logging
import SamespotCore

@main
struct Samespot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samespot",
        abstract: "311 request intake deduplication: geocode, place in wards, merge duplicates, serve Open311.",
        version: SamespotVersion.current,
        subcommands: [Serve.self, Migrate.self, Import.self, Keys.self, Wards.self, Evaluate.self, Bench.self, GeocodeFile.self, Rules.self]
    )
}
