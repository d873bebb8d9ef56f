import ArgumentParser
import Foundation
import Synchronization
import Logging
import SamespotCore
import SamespotGeo
import SamespotStore

/// Options every command that touches the database shares. Each falls back to an environment
/// variable, so a service manager or compose file configures Samespot without flags.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "PostgreSQL URL (env SAMESPOT_DATABASE_URL).")
    var databaseURL: String = ProcessInfo.processInfo.environment["SAMESPOT_DATABASE_URL"]
        ?? "postgres://samespot@127.0.0.1:5433/samespot"

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env LOG_LEVEL).")
    var logLevel: String = ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"

    func settings() throws -> DatabaseSettings {
        do {
            return try DatabaseSettings(url: databaseURL)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func makeLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }
}

/// The city: its time zone (its files write local time) and its metric grid.
struct CityOptions: ParsableArguments {
    @Option(help: "The city's time zone, as PostgreSQL names it (env SAMESPOT_TIME_ZONE).")
    var timeZone: String = ProcessInfo.processInfo.environment["SAMESPOT_TIME_ZONE"] ?? "America/Chicago"

    @Option(help: "EPSG code of the city's projected CRS, for distances in metres (env SAMESPOT_EPSG). 26971 is NAD83 / Illinois East (m).")
    var epsg: Int = Int(ProcessInfo.processInfo.environment["SAMESPOT_EPSG"] ?? "") ?? 26971

    var city: CitySettings { CitySettings(timeZone: timeZone, metricEPSG: epsg) }

    func projections() throws -> ProjectionPool {
        do {
            return try ProjectionPool(targetEPSG: epsg)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// Finds the `sql/` migrations folder: the flag, SAMESPOT_SQL_DIR, ./sql, beside the binary
/// in a source checkout (.build/debug/samespot → sql/), or where the container image puts it.
struct MigrationOptions: ParsableArguments {
    @Option(help: "Folder of NNNN_name.sql migrations (env SAMESPOT_SQL_DIR).")
    var sqlDir: String?

    func directory() throws -> String {
        let env = ProcessInfo.processInfo.environment
        var candidates: [String] = [sqlDir, env["SAMESPOT_SQL_DIR"]].compactMap { $0 }
        candidates.append(FileManager.default.currentDirectoryPath + "/sql")
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(folder.appendingPathComponent("sql").path)
            folder = folder.deletingLastPathComponent()
        }
        candidates.append("/usr/share/samespot/sql")
        var isDirectory: ObjCBool = false
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) && isDirectory.boolValue {
            return candidate
        }
        throw ValidationError("cannot find the sql/ migrations folder; pass --sql-dir")
    }
}

/// One line on a terminal that rewrites itself ("requests: writing 120,000/1,000,000 (12 %)
/// 81,000 rows/s"), and a line per finished stage with its time and rate. The rewriting line is
/// left out when stderr is a file or a pipe, so logs get only the finished stages.
enum ProgressLine {
    static let isTerminal = isatty(STDERR_FILENO) == 1

    static func reporter(_ label: String) -> ImportProgress {
        // Stages may run side by side (ward sets are placed in parallel): each keeps its start,
        // and says it finished once.
        final class Stages: Sendable { let state = Mutex<(started: [String: ContinuousClock.Instant], finished: Set<String>)>(([:], [])) }
        let stages = Stages()
        return { name, done, total in
            let now = ContinuousClock.now
            let (started, alreadySaid) = stages.state.withLock { state in
                let started = state.started[name] ?? now
                state.started[name] = started
                return (started, done >= total && !state.finished.insert(name).inserted)
            }
            if alreadySaid { return }
            let seconds = (now - started) / .seconds(1)
            let rate = seconds > 0 ? " \(Int(Double(done) / seconds).formatted()) rows/s" : ""
            if done >= total {
                let line = "\(label): \(name) \(total.formatted()) rows in \(String(format: "%.1f", seconds)) s\(rate)\n"
                FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[2K" : "") + line).utf8))
            } else if isTerminal {
                let percent = total > 0 ? done * 100 / total : 100
                FileHandle.standardError.write(Data("\r\u{1B}[2K\(label): \(name) \(done.formatted())/\(total.formatted()) (\(percent) %)\(rate)".utf8))
            }
        }
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read \(path): no such file, or not readable")
    }
    return Array(data)
}

/// How a city's 311 export names its columns, when it is not a layout Samespot already reads.
struct ColumnOptions: ParsableArguments {
    @Option(help: "JSON column mapping: {\"columns\": {\"id\": \"Case ID\", …}, \"coordinatesEPSG\": N, \"duplicatePattern\": \"…\"} (see the README)")
    var columns: String?
    @Option(name: .customLong("column"), help: "One field's column, FIELD=HEADER (repeatable; over --columns): id, type, typeCode, department, status, channel, created, updated, closed, address, zip, longitude, latitude, x, y, description, duplicate, parent, ward")
    var column: [String] = []
    @Option(help: "EPSG code of the x/y columns, read for rows without latitude/longitude (Chicago's are 3435)")
    var coordinatesEPSG: Int?
    @Option(help: "Regular expression: a row is a duplicate when its duplicate column (or status) matches")
    var duplicatePattern: String?

    func mapping() throws -> CityColumnMapping {
        do {
            var mapping = try columns.map { try CityColumnMapping.decode(json: try readFile($0)) } ?? .standard
            for assignment in column { try mapping.set(assignment: assignment) }
            if let coordinatesEPSG { mapping.coordinatesEPSG = coordinatesEPSG }
            if let duplicatePattern { mapping.duplicatePattern = duplicatePattern }
            try mapping.validate()
            return mapping
        } catch let error as CityColumnMappingError {
            throw ValidationError(error.description)
        }
    }
}

/// A city's labelled history as the dedup commands read it: its records, their replay rows (in
/// time order, in metres on the city's grid), and each type's name.
struct LabelledHistory {
    var records: [CityRequestRecord]
    var rows: [DedupEvaluation.Labelled]
    var names: [String: String]

    init(files: [String], mapping: CityColumnMapping = .standard, city: CityOptions) throws {
        let records = try readCityRecords(files, columns: mapping)
        self.records = records
        rows = try city.projections().withProjection { p in
            DedupEvaluation.labelledRows(records) { p.forwardMetres(longitude: $0, latitude: $1) }
        }
        names = Dictionary(records.map { ($0.serviceCode, $0.serviceName) }, uniquingKeysWith: { _, last in last })
    }
}

/// Every request of several city 311 files, checked row by row; a bad row names its file and
/// line. A request in more than one file (the same number) counts once, as first read. Rows with
/// only projected x/y get latitude/longitude from the mapping's projection.
func readCityRecords(_ files: [String], columns mapping: CityColumnMapping = .standard) throws -> [CityRequestRecord] {
    let reader: CityRecordReader
    do { reader = try CityRecordReader(mapping: mapping) } catch { throw ValidationError(error.description) }
    var records: [CityRequestRecord] = []
    var seen = Set<String>()
    for file in files {
        do {
            for row in try readCSV(bytes: try readFile(file)).rows {
                let record = try reader.record(row)
                guard seen.insert(record.serviceRequestID).inserted else { continue }
                records.append(record)
            }
        } catch let error as CSVRowError {
            throw ValidationError("\(file): \(error)")
        }
    }
    if let epsg = mapping.coordinatesEPSG {
        do { try CityRequestRecord.fillCoordinates(&records, fromEPSG: epsg) } catch { throw ValidationError("coordinates EPSG:\(epsg): \(error)") }
    }
    return records
}
