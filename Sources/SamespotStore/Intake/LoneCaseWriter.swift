import Metrics
import PostgresNIO
import Synchronization

/// Writes reports that no open case could be the parent of, several in one statement when they
/// arrive faster than one statement finishes (group commit).
///
/// Why: PostgreSQL's fixed cost per statement is most of an intake's: the statement opens and
/// locks seven tables and their indexes before it writes a row (migration 14 has the pgbench
/// figures). At most `writers` statements run at once; a report that arrives while they all
/// run waits, and the next statement takes every waiting report it can, up to `largestBatch`.
/// With one report waiting it is written alone, as soon as a writer is free: a quiet hour adds
/// no wait.
///
/// A batch never holds two reports whose locks meet (the same cell, address or block of a
/// type), so none can be a candidate of another inside it; the later one waits for the next
/// batch, whose lock-and-count step then sees the first. A batch that fails in PostgreSQL
/// (a row it refused: nothing of the batch is stored) answers "not stored" to each report,
/// and each then goes through the transaction on its own, which reports its own error.
final class LoneCaseWriter: Sendable {
    /// What a report gets back: its case's (request_id, tracking number, token), or nil when
    /// the batch did not store it and the transaction must decide.
    typealias Stored = (Int64, String, String)

    private struct Waiting {
        var row: IntakeRow
        var locks: Set<String>
        var answer: CheckedContinuation<Stored?, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var running = 0
    }

    private let database: Database
    private let timeZone: String
    private let writers: Int
    private let largestBatch: Int
    private let state = Mutex(State())

    init(database: Database, timeZone: String, writers: Int = 4, largestBatch: Int = 32) {
        self.database = database
        self.timeZone = timeZone
        self.writers = writers
        self.largestBatch = largestBatch
    }

    /// How many reports each statement wrote, for `/metrics`.
    static let batchSize = Recorder(label: "samespot_intake_lone_batch_size")

    func store(_ row: IntakeRow, locks: Set<String>) async throws -> Stored? {
        try await withCheckedThrowingContinuation { answer in
            let startWriter = state.withLock { state in
                state.waiting.append(Waiting(row: row, locks: locks, answer: answer))
                guard state.running < writers else { return false }
                state.running += 1
                return true
            }
            if startWriter { Task { await self.writeWhileWaiting() } }
        }
    }

    /// One writer: statements until no report waits.
    private func writeWhileWaiting() async {
        while let batch = nextBatch() {
            await write(batch)
        }
    }

    /// The waiting reports whose locks do not meet, oldest first; nil (and the writer stops)
    /// when none waits.
    private func nextBatch() -> [Waiting]? {
        state.withLock { state in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            var batch: [Waiting] = []
            var taken = Set<String>()
            var left: [Waiting] = []
            for report in state.waiting {
                if batch.count < largestBatch, report.locks.isDisjoint(with: taken) {
                    taken.formUnion(report.locks)
                    batch.append(report)
                } else {
                    left.append(report)
                }
            }
            state.waiting = left
            return batch
        }
    }

    private func write(_ batch: [Waiting]) async {
        Self.batchSize.record(batch.count)
        do {
            var rows = batch.map(\.row)
            for index in rows.indices { rows[index].ord = Int32(index) }
            let statement = WriteCases<LoneCases>(rows: try IntakeRow.json(rows), timeZone: timeZone)
            // In a transaction of its own, though it is one statement: PostgresNIO ends a
            // statement's rows at CommandComplete, which PostgreSQL sends before an autocommit
            // statement's commit; a server crashing in between answers rows it never kept (the
            // durability trial lost three acknowledged reports so). COMMIT's own answer comes
            // after the commit is on disk.
            let answers = try await database.transaction { tx in try await tx.rows(of: statement, on: database) }
            var stored = [Stored?](repeating: nil, count: batch.count)
            for (ord, _, id, number, token, _) in answers {
                if let id, let number, let token, batch.indices.contains(Int(ord)) { stored[Int(ord)] = (id, number, token) }
            }
            for (report, answer) in zip(batch, stored) { report.answer.resume(returning: answer) }
        } catch let error as PostgresTransactionError
                    where batch.count > 1 && error.commitError == nil && (error.closureError as? PSQLError)?.serverInfo != nil {
            // PostgreSQL refused the statement and the transaction rolled back, so nothing of it
            // was stored: each report is decided on its own, and only the one at fault fails.
            for report in batch { report.answer.resume(returning: nil) }
        } catch is EncodingError where batch.count > 1 {
            // A row the JSON cannot hold (a number that is not finite): nothing was sent.
            for report in batch { report.answer.resume(returning: nil) }
        } catch {
            for report in batch { report.answer.resume(throwing: error) }
        }
    }
}
