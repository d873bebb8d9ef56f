import ArgumentParser
import SamespotCore
import SamespotStore

struct Rules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dedup rules per service type: fit them on a city's labelled history, and store them.",
        subcommands: [Fit.self])

    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit one rule per type (unit, radius, window) on 311 files with the city's duplicate labels; --apply stores them.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var city: CityOptions
        @OptionGroup var columns: ColumnOptions
        @Argument(help: "311 CSV files with duplicate labels") var files: [String]
        @Flag(help: "Store the fitted rules for the types the database knows") var apply = false

        func run() async throws {
            let records = try readCityRecords(files, columns: try columns.mapping())
            let projection = try city.projections()
            let rows = try projection.withProjection { p in
                DedupEvaluation.labelledRows(records) { p.forwardMetres(longitude: $0, latitude: $1) }
            }
            var names: [String: String] = [:]
            for r in records { names[r.serviceCode] = r.serviceName }
            let results = DedupEvaluation(rows: rows, isReported: { _ in true },
                                          fallback: { DedupDefaults.rule(serviceCode: $0, serviceName: names[$0] ?? $0) }).results
            let fitted = results.map(\.rule)
            for result in results {
                let rule = result.rule
                let text = rule.enabled ? "\(rule.matchUnit.rawValue) \(Int(rule.radiusMetres)) m \(rule.windowDays) d" : "off"
                print("\(rule.serviceCode)\t\(text)\(result.isFallback ? " (no duplicates in its history: the default for its kind)" : "")")
            }
            guard apply else { return }
            let logger = database.makeLogger("samespot.rules")
            let saved = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                let store = RuleStore(database: db)
                var count = 0
                for rule in fitted {
                    do { try await store.save(rule, actor: "fitted"); count += 1 } catch StoreError.notFound { continue }
                }
                return count
            }
            print("stored \(saved) rules (types unknown to the database were skipped)")
        }
    }
}
