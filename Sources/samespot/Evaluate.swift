import ArgumentParser
import Foundation
import SamespotCore
import SamespotGeo
import SamespotStore

struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure Samespot against the city's own answers.",
        subcommands: [Geocoder.self, Dedup.self, Wards.self])

    struct Geocoder: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Geocode the street addresses of 311 files as typed and compare with the city's coordinates; "
                + "again with a fixed fifth of the address table left out; each again learning addresses from the files' earlier months.")
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
                    let day = row.text("created_date", "Creation_Date", "CREATED DATE", "Created Date", "requested_datetime")
                    samples.append(.init(address: address, longitude: lon, latitude: lat, day: String(day.prefix(10))))
                }
            }
            let logger = database.makeLogger("samespot.eval")
            let all = samples
            try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                let store = GeocoderStore(database: db)
                // The table alone here: what the files teach is measured month by month below.
                let reference = try await store.loadReference()
                let full = reference.index()
                print(GeocoderEvaluation(label: "all addresses in the table", index: full, samples: all))
                // A fixed fifth: address ids divisible by 5, whatever the order of import.
                let leftOut: (Int64) -> Bool = { $0 % 5 == 0 }
                let heldOut = reference.index(leavingOut: leftOut)
                let missing = all.filter { full.geocode($0.address).addressID.map(leftOut) ?? false }
                print(GeocoderEvaluation(label: "a fifth left out, all rows", index: heldOut, samples: all))
                print(GeocoderEvaluation(label: "a fifth left out, rows whose address was left out", index: heldOut, samples: missing))
                // Each month's rows, the index having learned the addresses of the earlier months'
                // rows (the city's own placements), as a city that imports its requests would.
                let undated = all.filter { $0.day.count < 7 }.count
                if undated > 0 { print("(\(undated) rows without a date count as the earliest month)") }
                let none: (Int64) -> Bool = { _ in false }
                for (label, leaveOut, rows) in [("all addresses in the table", none, all),
                                                ("a fifth left out, all rows", leftOut, all),
                                                ("a fifth left out, rows whose address was left out", leftOut, missing)] {
                    print(GeocoderEvaluation(label: label + ", learning from earlier months", samples: rows) { learned in
                        reference.index(leavingOut: leaveOut, learning: learned)
                    })
                }
            }
        }
    }
}

extension Evaluate {
    struct Dedup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit the learned duplicate scorer on earlier requests, choose its thresholds on the next period, and score it on a later one "
                + "against the city's labels, beside the fitted rules, the hand rules and the naive rule, with bootstrap 95 % intervals.")
        @OptionGroup var city: CityOptions
        @OptionGroup var columns: ColumnOptions
        @Argument(help: "311 CSV files with the city's duplicate labels (a flag, a parent column, or \"- Dup\" statuses); a request in two files counts once")
        var files: [String]
        @Option(help: "Scored from this date on (YYYY-MM-DD)") var reportFrom: String
        @Option(help: "Thresholds are chosen on requests from this date to --report-from, the model fitted before it (default: the last fifth of the earlier requests)")
        var tuneFrom: String?
        @Option(help: "Bootstrap resamples for the 95 % intervals") var bootstrap = 1000
        @Option(help: "The model's most confident mistakes to list, of each kind") var mistakes = 10
        @Option(help: "Seed of the model's row sampling and the bootstrap") var seed: UInt64 = 1
        @Option(help: "Write the report as JSON to this file (- for standard output)") var json: String?
        @Option(help: "Save the fitted model to this file (JSON), for `samespot rules model --load FILE --apply`") var saveModel: String?

        func run() async throws {
            let history = try LabelledHistory(files: files, mapping: try columns.mapping(), city: city)
            let rows = history.rows
            guard let report = CityTimestamp(parsing: reportFrom)?.localSeconds else { throw ValidationError("--report-from \(reportFrom) is not a date") }
            let tune: Double
            if let tuneFrom {
                guard let t = CityTimestamp(parsing: tuneFrom)?.localSeconds, t <= report else {
                    throw ValidationError("--tune-from \(tuneFrom) is not a date on or before --report-from")
                }
                tune = t
            } else {
                guard let start = DedupModelTraining.lastFifthStart(rows.filter { $0.request.requestedAt < report }) else {
                    throw ValidationError("no request falls before --report-from \(reportFrom): nothing to fit on")
                }
                tune = start
            }
            guard rows.contains(where: { $0.request.requestedAt < tune }) else {
                throw ValidationError("no request falls before the tuning period: nothing to fit on")
            }
            var parameters = GradientBoostedTrees.Parameters()
            parameters.seed = seed
            let started = ContinuousClock.now
            let evaluation = LearnedDedupEvaluation(rows: rows, names: history.names, tuneFrom: tune, reportFrom: report,
                                                    parameters: parameters, bootstrapRounds: bootstrap, mistakesShown: mistakes)
            let elapsed = ContinuousClock.now - started
            if let saveModel {
                try Data(try evaluation.model.encoded()).write(to: URL(fileURLWithPath: saveModel))
            }
            let document = DedupReportDocument(evaluation: evaluation, rows: rows, records: history.records, files: files,
                                               tuneFrom: tune, reportFrom: report, seconds: elapsed.seconds)
            if let json {
                let data = try document.json()
                if json == "-" { FileHandle.standardOutput.write(data); return }
                try data.write(to: URL(fileURLWithPath: json))
            }
            print(document.text())
        }
    }
}

extension Evaluate {
    struct Wards: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place each row of a 311 file in a ward set and compare with the city's own ward column; lists the rows that differ.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "311 CSV file with latitude, longitude and ward") var file: String
        @Option(help: "Ward set (the map in force for the file's years)") var set: String
        @Option(help: "Rows that differ to list") var list = 30

        func run() async throws {
            let table = try readCSV(bytes: try readFile(file))
            let logger = database.makeLogger("samespot.eval")
            let name = set
            let index = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                let store = WardSetStore(database: db)
                return try await store.loadIndex(setID: try await store.set(named: name).id)
            }
            let context = GEOSContext()
            var agree = 0, total = 0, outside = 0
            var differing: [String] = []
            for row in table.rows {
                let cityWard = row.text("ward")
                guard !cityWard.isEmpty, let lon = Double(row.text("longitude")), let lat = Double(row.text("latitude")) else { continue }
                total += 1
                let ours = index.ward(longitude: lon, latitude: lat, context: context)
                if ours == nil { outside += 1 }
                if ours == cityWard { agree += 1 } else if differing.count < list {
                    differing.append("line \(row.line): \(row.text("sr_number", "Service Request Number")) \(row.text("street_address", "Street Address")) (\(lat), \(lon)): city \(cityWard), Samespot \(ours ?? "none")")
                }
            }
            print("\(file) against \(name): \(agree) of \(total) rows agree (\(String(format: "%.2f", Double(agree) * 100 / Double(max(total, 1)))) %); \(outside) outside every ward")
            for line in differing { print("  " + line) }
        }
    }
}
