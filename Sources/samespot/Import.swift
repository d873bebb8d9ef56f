import ArgumentParser
import Foundation
import SamespotService
import SamespotStore

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load city data into PostgreSQL (COPY; one transaction per file; a bad row names its line and nothing is written).",
        subcommands: [Addresses.self, Streets.self, Intersections.self, Holidays.self, WardSet.self, Requests.self, Definitions.self, Sample.self]
    )

    struct Addresses: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Address points CSV (house number, directions, street, suffix, lon/lat).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "CSV file") var file: String
        @Flag(help: "Add to the table instead of replacing it.") var append = false

        func run() async throws {
            let bytes = try readFile(file)
            try await runImport(database) { db in
                try await ImportService(database: db).addresses(csv: bytes, file: file, replace: !append, progress: ProgressLine.reporter("addresses"))
            }
        }
    }

    struct Streets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The city's street name list CSV.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "CSV file") var file: String

        func run() async throws {
            let bytes = try readFile(file)
            try await runImport(database) { db in
                try await ImportService(database: db).streets(csv: bytes, file: file, progress: ProgressLine.reporter("streets"))
            }
        }
    }

    struct Intersections: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Named intersections CSV (street_1, street_2, lon/lat).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "CSV file") var file: String

        func run() async throws {
            let bytes = try readFile(file)
            try await runImport(database) { db in
                try await ImportService(database: db).intersections(csv: bytes, file: file, progress: ProgressLine.reporter("intersections"))
            }
        }
    }

    struct Holidays: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The city's holidays CSV (date,name): deadlines of requests taken from now on skip them (replaces the list).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "CSV file") var file: String

        func run() async throws {
            let bytes = try readFile(file)
            try await runImport(database) { db in
                try await ImportService(database: db).holidays(csv: bytes, file: file)
            }
        }
    }

    struct WardSet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "wards", abstract: "A ward boundary set from GeoJSON (or CSV with a WKT column), stored under a name (replacing a set of that name).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "GeoJSON FeatureCollection, or .csv with a WKT geometry column; lon/lat") var file: String
        @Option(help: "Name of the set, e.g. chicago-2023") var name: String
        @Option(help: "First day the set is in force (YYYY-MM-DD)") var from: String?
        @Option(help: "Last day the set is in force (YYYY-MM-DD)") var to: String?
        @Option(help: "Feature property holding the ward id (default: ward, ward_id, District_N, …)") var wardProperty: String?

        func run() async throws {
            let bytes = try readFile(file)
            try await runImport(database) { db in
                try await ImportService(database: db).wardSet(bytes, file: file, name: name, effectiveFrom: from, effectiveTo: to,
                                                              wardProperty: wardProperty, progress: ProgressLine.reporter("wards"))
            }
        }
    }

    struct Requests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A city's 311 export CSV (current or older per-type layout, or any layout through --columns/--column).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var city: CityOptions
        @OptionGroup var columns: ColumnOptions
        @Option(help: ArgumentHelp(
            "A file of at least this many requests, and more than are stored, is a bulk load: the case tables' indexes are built again "
                + "afterwards, faster than kept row by row, but the tables are locked until the load ends; 0: never (a city importing while it serves)"))
        var bulkLoadRows = 50_000
        @Argument(help: "CSV file") var file: String

        func validate() throws {
            guard bulkLoadRows >= 0 else { throw ValidationError("--bulk-load-rows must be 0 (never) or more") }
        }

        func run() async throws {
            let bytes = try readFile(file)
            let projections = try city.projections()
            let settings = city.city
            let mapping = try columns.mapping()
            let bulkLoadRows = self.bulkLoadRows == 0 ? Int.max : self.bulkLoadRows
            try await runImport(database) { db in
                try await ImportService(database: db).requests(bytes, file: file, city: settings, projections: projections,
                                                        mapping: mapping, bulkLoadRows: bulkLoadRows,
                                                        progress: ProgressLine.reporter("requests"))
            }
        }
    }

    /// Everything in data/: the bundled sample city, in the order the data depends on.
    struct Definitions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "definitions", abstract: "Service definitions JSON: the questions each type asks (Open311 metadata=true).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "JSON file, as data/service-definitions.json") var file: String

        func run() async throws {
            let bytes = try readFile(file)
            try await runImport(database) { db in try await ImportService(database: db).serviceDefinitions(bytes, file: file) }
        }
    }

    struct Sample: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The bundled sample city (data/): addresses, streets, corners, three ward sets, requests (2021 and the history of 2011–2013), service definitions.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var city: CityOptions
        @Option(help: "The sample city folder") var dataDir: String = "data"
        @Flag(help: "Load only into a database that holds no requests yet (for start-up scripts).") var ifEmpty = false
        @Flag(help: "Load only the 2021 requests, not the history in data/history/.") var withoutHistory = false
        @Flag(help: ArgumentHelp("Load the city's reference data only (addresses, streets, corners, holidays, ward sets, service "
                                 + "definitions), no requests: for a city-year of one's own imported on top.")) var withoutRequests = false

        func run() async throws {
            let directory = dataDir
            let settings = city.city
            let onlyIfEmpty = ifEmpty
            let includeHistory = !withoutHistory, includeRequests = !withoutRequests
            let logger = database.makeLogger("samespot.import")
            let summaries = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                try await db.ping()
                if onlyIfEmpty, try await CityCounts.holdsRequests(db) {
                    return [ImportSummary]()
                }
                return try await ImportService(database: db).sampleCity(
                    from: directory, city: settings, includeRequests: includeRequests, includeHistory: includeHistory,
                    progress: ProgressLine.reporter)
            }
            if summaries.isEmpty { print("the database already holds requests: sample city not loaded again") }
            for summary in summaries { print(summary) }
        }
    }
}

/// Runs one import with a running pool and prints its summary.
func runImport(_ options: DatabaseOptions, _ body: @Sendable @escaping (Database) async throws -> ImportSummary) async throws {
    let logger = options.makeLogger("samespot.import")
    let summary = try await Database.withRunning(settings: try options.settings(), logger: logger) { db in
        try await db.ping()
        return try await body(db)
    }
    print(summary)
}
