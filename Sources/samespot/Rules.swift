import Foundation
import ArgumentParser
import SamespotCore
import SamespotStore

struct Rules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Dedup rules per service type: fit them on a city's labelled history, and store them.",
        subcommands: [Fit.self, Model.self])

    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit one rule per type (unit, radius, window) on 311 files with the city's duplicate labels; --apply stores them.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var city: CityOptions
        @OptionGroup var columns: ColumnOptions
        @Argument(help: "311 CSV files with duplicate labels") var files: [String]
        @Flag(help: "Store the fitted rules for the types the database knows") var apply = false

        func run() async throws {
            let history = try LabelledHistory(files: files, mapping: try columns.mapping(), city: city)
            let results = DedupEvaluation(rows: history.rows, isReported: { _ in true }, fallback: DedupDefaults.rules(names: history.names)).results
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
                    do { try await store.save(rule, actor: DedupRule.fittedActor); count += 1 } catch StoreError.notFound { continue }
                }
                return count
            }
            print("stored \(saved) rules (types unknown to the database were skipped)")
        }
    }

    struct Model: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit the learned duplicate scorer on 311 files with the city's labels (the last fifth of the rows chooses its thresholds); "
                + "--apply puts it in force for every type whose rule staff have not set by hand.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var city: CityOptions
        @OptionGroup var columns: ColumnOptions
        @Argument(help: "311 CSV files with duplicate labels") var files: [String] = []
        @Option(help: "Read a model saved by --save or `samespot eval dedup --save-model` instead of fitting one") var load: String?
        @Option(help: "Save the model as JSON") var save: String?
        @Option(help: "Seed of the model's row sampling") var seed: UInt64 = 1
        @Flag(help: "Store the model and put it in force (running instances pick it up at once)") var apply = false
        @Flag(help: "Take the model in force out of force: every type goes back to its rule") var off = false
        @Flag(help: "List the stored models") var list = false

        func validate() throws {
            if !off, !list, load == nil, files.isEmpty { throw ValidationError("give 311 files to fit on, or --load, --off or --list") }
        }

        func run() async throws {
            let logger = database.makeLogger("samespot.rules")
            if off || list {
                let off = self.off
                try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                    let store = DedupModelStore(database: db)
                    if off { try await store.deactivate(actor: "cli") }
                    for m in try await store.list() { print("\(m.id)\t\(m.active ? "in force" : "-")\t\(m.fittedAt)\t\(m.fittedBy)\t\(m.summary)") }
                }
                return
            }
            let model: DedupModel
            var summary: String
            if let load {
                do { model = try DedupModel.decode(try readFile(load)) } catch { throw ValidationError("\(load): \(error)") }
                summary = "loaded from \(load)"
            } else {
                let rows = try LabelledHistory(files: files, mapping: try columns.mapping(), city: city).rows
                guard rows.count >= 10 else { throw ValidationError("\(rows.count) requests are too few to fit a model on") }
                var parameters = GradientBoostedTrees.Parameters()
                parameters.seed = seed
                model = DedupModelTraining.fitOnAll(rows, parameters: parameters)
                summary = "\(rows.count) requests of \(files.count) files, \(model.provenance["pairs"] ?? "?") pairs"
            }
            print(summary)
            print("candidates: within \(Int(model.limits.radiusMetres)) m or at the same address, \(model.limits.windowDays) days, at most \(model.limits.maxCandidates)")
            print("thresholds: city \(String(format: "%.3f", model.thresholds.city))"
                + model.thresholds.byGroup.sorted { $0.key < $1.key }.map { "; \($0.key) \(String(format: "%.3f", $0.value))" }.joined()
                + model.thresholds.byType.sorted { $0.key < $1.key }.map { "; \($0.key) \(String(format: "%.3f", $0.value))" }.joined())
            if let save { try Data(try model.encoded()).write(to: URL(fileURLWithPath: save)) }
            guard apply else { return }
            let text = summary
            let id = try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                try await DedupModelStore(database: db).save(model, summary: text, actor: "cli", activate: true)
            }
            print("stored as model \(id) and put in force")
        }
    }
}
