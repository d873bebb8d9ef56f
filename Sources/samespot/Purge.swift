import ArgumentParser
import Foundation
import SamespotCore
import SamespotStore

/// Retention: archive and delete the cases a city no longer keeps.
struct Purge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retention: archive, then delete, every family of cases finished (closed or canceled) before a day, in one transaction.",
        discussion: """
            A parent and its merged reports go together, and only when all of them are finished before the day. \
            The archive is a 311 export that `samespot import requests` reads back; it holds no resident's name, email or phone, \
            and requesters no remaining case names are deleted.
            """)
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var city: CityOptions
    @Option(help: "Purge the families whose every case was finished before this day (YYYY-MM-DD, the city's time)")
    var finishedBefore: String
    @Option(help: "Write the purged cases to this CSV first (a new file); if it cannot be written, nothing is deleted")
    var archive: String?
    @Flag(help: "Count (and archive) without deleting anything")
    var dryRun = false

    func validate() throws {
        guard CivilDate(parsing: finishedBefore) != nil else {
            throw ValidationError("--finished-before \(finishedBefore) is not a day: write YYYY-MM-DD, e.g. 2014-01-01")
        }
        if let archive, FileManager.default.fileExists(atPath: archive) {
            throw ValidationError("\(archive) exists: the archive is written to a new file, so an earlier one is never overwritten")
        }
    }

    func run() async throws {
        let day = CivilDate(parsing: finishedBefore)!
        let file = try archive.map { try CSVFileWriter(path: $0) }
        let zone = city.timeZone
        let dryRun = dryRun
        let logger = database.makeLogger("samespot.purge")
        let started = ContinuousClock.now
        let summary: RetentionStore.Summary
        do {
            summary = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                try await db.ping()
                return try await RetentionStore(database: db, timeZone: zone).purge(finishedBefore: day, dryRun: dryRun, archive: file)
            }
        } catch {
            // Nothing was deleted: an archive of a purge that did not happen would mislead.
            if let archive { try? FileManager.default.removeItem(atPath: archive) }
            throw error
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        print("\(summary) in \(String(format: "%.1f", seconds)) s" + (archive.map { " (archive: \($0))" } ?? ""))
    }
}

/// The archive on disk is a CSV file like any other the CLI writes.
extension CSVFileWriter: PurgeArchive {}
