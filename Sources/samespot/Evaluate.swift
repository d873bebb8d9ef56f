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

extension Evaluate {
    struct Dedup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay 311 files in time order through the dedup engine and score it against the city's duplicate labels, beside the naive rule.")
        @OptionGroup var city: CityOptions
        @Argument(help: "311 CSV files (current layout with duplicate/parent_sr_number, or older files with \"- Dup\" statuses)")
        var files: [String]
        @Option(help: "Rules are fitted on requests before this date and scored on the rest (YYYY-MM-DD); without it, fitted and scored on all rows")
        var reportFrom: String?

        func run() async throws {
            let records = try readCityRecords(files)
            let projection = try city.projections()
            let rows = try projection.withProjection { p in
                DedupEvaluation.labelledRows(records) { p.forwardMetres(longitude: $0, latitude: $1) }
            }
            var cutoff: Double?
            if let reportFrom {
                guard let t = CityTimestamp(parsing: reportFrom) else { throw ValidationError("--report-from \(reportFrom) is not a date") }
                cutoff = t.localSeconds
            }
            let evaluation = DedupEvaluation(rows: rows, isReported: { row in cutoff.map { row.request.requestedAt >= $0 } ?? true })
            func f(_ x: Double) -> String { String(format: "%.3f", x) }
            print(cutoff == nil ? "rules fitted and scored on all \(rows.count) rows" : "rules fitted before \(reportFrom!), scored from it on")
            print("type\trule\tlabelled\tP\tR\tF1\tnaive P\tnaive R\tnaive F1\tparent agrees")
            for r in evaluation.results where r.engine.labelled > 0 || r.engine.falsePositives > 0 {
                let rule = r.rule.enabled
                    ? "\(r.rule.matchUnit.rawValue)\(r.rule.matchUnit == .address ? "" : " \(Int(r.rule.radiusMetres)) m"), \(Int(r.rule.windowDays)) d"
                    : "off"
                print("\(r.serviceCode)\t\(rule)\t\(r.engine.labelled)\t\(f(r.engine.precision))\t\(f(r.engine.recall))\t\(f(r.engine.f1))\t\(f(r.naive.precision))\t\(f(r.naive.recall))\t\(f(r.naive.f1))\t\(r.parentAgreement.agree)/\(r.parentAgreement.comparable)")
            }
            let pooled = evaluation.pooled, mean = evaluation.meanF1
            print("overall (pooled): P \(f(pooled.engine.precision)) R \(f(pooled.engine.recall)) F1 \(f(pooled.engine.f1)); naive F1 \(f(pooled.naive.f1))")
            print("unweighted mean F1 over types with duplicates: \(f(mean.engine)); naive \(f(mean.naive))")
            let inData = evaluation.pooledParentsInData
            let outside = rows.filter { row in row.parentOutsideData && (cutoff.map { row.request.requestedAt >= $0 } ?? true) }.count
            if outside > 0 {
                print("leaving out the \(outside) duplicates whose parent was filed before the data starts: P \(f(inData.precision)) R \(f(inData.recall)) F1 \(f(inData.f1))")
            }
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
