import ArgumentParser
import Foundation
import SamespotCore
import SamespotGeo
import SamespotService
import SamespotStore

/// `samespot geocode FILE.csv`: geocodes one column of a CSV and writes the answers as CSV.
struct GeocodeFile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geocode", abstract: "Geocode the addresses of a CSV file against the city's address table; results as CSV.")

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "CSV file with a header line") var file: String
    @Option(help: "Column holding the address (default: address, street_address, Street Address)") var column: String?
    @Option(name: .shortAndLong, help: "Write here instead of standard output") var output: String?
    @Option(help: "Ward set for the ward column (default: the set in force today)") var wardSet: String?

    func run() async throws {
        let table: (header: CSVHeader, rows: [CSVRow])
        do { table = try readCSV(bytes: try readFile(file)) } catch let error as CSVRowError {
            throw ValidationError("\(file): \(error)")
        }
        let aliases = column.map { [$0] } ?? ["address", "street_address", "Street Address"]
        guard let position = table.header.position(of: aliases) else {
            throw ValidationError("\(file) has no column \(aliases.joined(separator: " or ")); name it with --column")
        }
        let logger = database.makeLogger("samespot.geocode")
        let setName = wardSet
        let indexes = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
            try await CityIndexes.load(from: db, wardSetName: setName).snapshot
        }
        var out = "input,normalized,method,precision,confidence,longitude,latitude,matched,block,ward,reasons\n"
        let progress = ProgressLine.reporter("geocode")
        let context = GEOSContext()
        for (i, row) in table.rows.enumerated() {
            let r = indexes.geocoder.geocode(row.fields[position])
            let ward = r.longitude.flatMap { lon in r.latitude.flatMap { lat in indexes.wards?.ward(longitude: lon, latitude: lat, context: context) } }
            let fields: [String] = [
                r.input, r.normalized, r.method.rawValue, r.precision.rawValue, String(format: "%.2f", r.confidence),
                r.longitude.map { String($0) } ?? "", r.latitude.map { String($0) } ?? "", r.matched ?? "", r.block ?? "",
                ward ?? "", (r.reasons + r.candidates.map { "candidate: \($0.address)" }).joined(separator: "; "),
            ]
            out += CSVWriter.record(fields) + "\n"
            if i % 1_000 == 0 { progress("writing", i, table.rows.count) }
        }
        progress("writing", table.rows.count, table.rows.count)
        if let output {
            try out.write(toFile: output, atomically: true, encoding: .utf8)
        } else {
            FileHandle.standardOutput.write(Data(out.utf8))
        }
    }
}
