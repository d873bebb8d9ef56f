import ArgumentParser
import SamespotStore

struct Wards: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ward boundary sets: list them, or place every stored request in one (re-aggregation).",
        subcommands: [List.self, Assign.self]
    )

    struct List: AsyncParsableCommand {
        @OptionGroup var database: DatabaseOptions
        func run() async throws {
            let logger = database.makeLogger("samespot.wards")
            let sets = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                try await WardSetStore(database: db).list()
            }
            for set in sets {
                print("\(set.name)\t\(set.wardCount) wards\t\(set.effectiveFrom ?? "…") to \(set.effectiveTo ?? "now")")
            }
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Place every stored request in the wards of one set, timed.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Ward set name") var set: String

        func run() async throws {
            let logger = database.makeLogger("samespot.wards")
            let name = set
            let clock = ContinuousClock()
            let start = clock.now
            let placed = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                let store = WardSetStore(database: db)
                return try await store.assignRequests(toSet: try await store.set(named: name), onlyMissing: false,
                                                      progress: ProgressLine.reporter("wards"))
            }
            print("placed \(placed) requests in \(name) in \(clock.now - start)")
        }
    }
}
