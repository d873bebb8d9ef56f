import ArgumentParser
import Foundation
import SamespotCore

extension Bench {
    /// What the learned scorer adds to an intake: the time of one decision, model against rule, on
    /// the candidate sets a replay of real files produces.
    struct LearnedDedup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dedup-model",
            abstract: "Microseconds per intake decision: the learned model (fitted on the files' earlier four fifths) against the type's rule, on the same candidates.")
        @OptionGroup var city: CityOptions
        @Argument(help: "311 CSV files with duplicate labels") var files: [String]
        @Option(help: "Times every decision is repeated") var rounds = 20

        func run() async throws {
            let history = try LabelledHistory(files: files, city: city)
            let rows = history.rows
            let model = DedupModelTraining.fitOnAll(rows)
            // The candidate sets intake would read, from a replay of the whole history.
            var pool = DedupCandidatePool(limits: model.limits)
            var sets: [(request: DedupCase, group: String, candidates: [DedupCandidate])] = []
            for row in rows {
                let candidates = pool.candidates(for: row.request)
                if !candidates.isEmpty { sets.append((row.request, row.group, candidates)) }
                pool.record(row.request, as: row.cityDuplicate ? .childOfUnknownParent : .root)
            }
            guard !sets.isEmpty else { throw ValidationError("no request in these files has an open candidate") }
            let clock = ContinuousClock()
            var merged = 0
            let learned = clock.measure {
                for _ in 0..<rounds { for s in sets where model.best(s.request, group: s.group, candidates: s.candidates)?.isDuplicate == true { merged += 1 } }
            }
            var ruled = 0
            let handRule = DedupDefaults.rules(names: history.names)
            let rules = Dictionary(uniqueKeysWithValues: Set(rows.map(\.request.serviceCode)).map { ($0, handRule($0)) })
            let rule = clock.measure {
                for _ in 0..<rounds {
                    for s in sets where DedupScorer.decide(s.request, candidates: s.candidates.map(\.request), rule: rules[s.request.serviceCode]!) != nil { ruled += 1 }
                }
            }
            let n = Double(sets.count * rounds)
            let mean = Double(sets.map(\.candidates.count).reduce(0, +)) / Double(sets.count)
            print("\(sets.count) decisions with candidates (mean \(String(format: "%.1f", mean)) candidates), \(rounds) rounds, \(model.trees.trees.count) trees of depth \(model.trees.parameters.depth)")
            print("learned model: \(String(format: "%.2f", learned.seconds / n * 1e6)) µs per decision (with its explanation)")
            print("hand rule:     \(String(format: "%.2f", rule.seconds / n * 1e6)) µs per decision")
            print("added by the model: \(String(format: "%.2f", (learned.seconds - rule.seconds) / n * 1e6)) µs per decision; \(merged / rounds) vs \(ruled / rounds) merges")
        }
    }
}
