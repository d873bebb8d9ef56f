import ArgumentParser
import Foundation
import SamespotCore
import SamespotStore

struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure Samespot against the city's own answers.",
        subcommands: [Geocoder.self])

    struct Geocoder: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Geocode the street addresses of 311 files as typed and compare with the city's coordinates; "
                + "again with a fixed fifth of the address table left out.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "311 CSV files with street addresses and the city's latitude/longitude")
        var files: [String] = ["data/requests-2021-01-01.csv"]

        func run() async throws {
            var samples: [GeocoderEvaluation.Sample] = []
            for file in files {
                let table: (header: CSVHeader, rows: [CSVRow])
                do { table = try readCSV(bytes: try readFile(file)) } catch let error as CSVRowError {
                    throw ValidationError("\(file): \(error)")
                }
                for row in table.rows {
                    let address = row.text("street_address", "Street Address", "STREET ADDRESS")
                    guard !address.isEmpty, let lon = Double(row.text("longitude")), let lat = Double(row.text("latitude")) else { continue }
                    samples.append(.init(address: address, longitude: lon, latitude: lat))
                }
            }
            let logger = database.makeLogger("samespot.eval")
            let all = samples
            try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                let store = GeocoderStore(database: db)
                let full = try await store.loadIndex()
                print(GeocoderEvaluation(label: "all addresses in the table", index: full, samples: all))
                // A fixed fifth: address ids divisible by 5, whatever the order of import.
                let heldOut = try await store.loadIndex(leaveOut: { $0 % 5 == 0 })
                let missing = all.filter { full.geocode($0.address).addressID.map { $0 % 5 == 0 } ?? false }
                print(GeocoderEvaluation(label: "a fifth left out, all rows", index: heldOut, samples: all))
                print(GeocoderEvaluation(label: "a fifth left out, rows whose address was left out", index: heldOut, samples: missing))
            }
        }
    }
}
