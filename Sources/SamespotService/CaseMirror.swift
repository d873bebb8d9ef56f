import Foundation
import Logging
import SamespotStore
import ServiceLifecycle
import Synchronization

/// This instance's copy of the cases in memory (`CaseTable`), for the reads that go over a big
/// city's whole year (ward summaries and hotspot maps) and for "already reported" (the open
/// cases by place).
///
/// `read` first takes in what changed since the last (`CaseFeedStore.changes`): one small
/// query when nothing did. A read begun after a write committed sees it, as a read of
/// PostgreSQL would. `readRecent` skips that query when the table caught up moments ago and
/// this instance has answered no write since: it sees this instance's own writes at once and
/// other instances' within a couple of seconds, as a streaming replica would. Until the cases
/// are loaded (at start, and after a bulk change such as an import or a purge), both answer
/// nil and the caller reads PostgreSQL.
public actor CaseMirror {
    public let feed: CaseFeedStore
    /// Where the feed's old notes are pruned: the primary (the feed may be read on a replica).
    public let primary: CaseFeedStore
    /// How long the feed keeps a note at least, after its transaction ended. A table not caught
    /// up for half of it loads again.
    public static let noteLifetime: Duration = .seconds(600)
    let logger: Logger

    private var table: CaseTable?
    private var loading: Task<Void, Never>?
    private var catchingUp: (started: ContinuousClock.Instant, task: Task<Bool, Never>)?
    private var lastCaughtUp = ContinuousClock.now
    /// Writes this instance has answered (`noteLocalWrite`), and how many of them the table
    /// surely holds: those noted before its last catch-up or load began.
    private nonisolated let localWrites = Atomic<Int>(0)
    private var caughtUpWrites = 0
    /// Whether the last read of the feed or load failed: the next failure is not logged again
    /// (the loop tries every second while the database is away), the recovery is.
    private var failing = false
    /// Set when the keeper stops: no read of the feed or load is begun after it.
    private var stopped = false

    public init(feed: CaseFeedStore, primary: CaseFeedStore, logger: Logger) {
        self.feed = feed
        self.primary = primary
        self.logger = logger
    }

    /// `body` over the cases as PostgreSQL has them now; nil while they are not loaded (or the
    /// feed cannot be read), and the caller reads PostgreSQL instead.
    public func read<T: Sendable>(_ body: @Sendable (CaseTable) -> T) async -> T? {
        guard await caughtUp(since: .now), let table else { return nil }
        return body(table)
    }

    /// `body` over the table without reading the feed first, when it caught up less than
    /// `freshness` ago and every write this instance answered since is in it; else as `read`.
    public func readRecent<T: Sendable>(within freshness: Duration = .seconds(2), _ body: @Sendable (CaseTable) -> T) async -> T? {
        if let table, ContinuousClock.now - lastCaughtUp < freshness,
           localWrites.load(ordering: .sequentiallyConsistent) == caughtUpWrites {
            return body(table)
        }
        return await read(body)
    }

    /// `body` over the table as it is, without reading the feed: for a guess that PostgreSQL
    /// then checks (intake's, that a report has no candidate parent). Nil while not loaded.
    public func peek<T: Sendable>(_ body: @Sendable (CaseTable) -> T) -> T? {
        table.map(body)
    }

    /// A write this instance answered has committed: the next `readRecent` reads the feed.
    public nonisolated func noteLocalWrite() {
        localWrites.add(1, ordering: .sequentiallyConsistent)
    }

    /// Cases in memory; nil while not loaded.
    public var count: Int? { table?.count }

    /// Loads the cases, then keeps them current every `interval` (so a read has little to take
    /// in) and prunes the feed's old notes every minute; until the task is cancelled.
    public func keepCurrent(every interval: Duration = .seconds(1)) async {
        await withTaskCancellationHandler {
            await keepingCurrent(every: interval)
        } onCancel: {
            // A read of the feed or a load is a task of its own, shared with the requests that
            // wait on it, so the keeper's cancellation does not reach it by itself: a shutdown
            // with the database away waited for the pool to give up on connecting (60 s).
            Task { await self.stopReading() }
        }
    }

    private func keepingCurrent(every interval: Duration) async {
        var lastPrune = ContinuousClock.now - .seconds(3_600)
        while !Task.isCancelled {
            _ = await caughtUp(since: .now)
            if ContinuousClock.now - lastPrune > .seconds(60) {
                lastPrune = .now
                do { try await primary.prune(lifetime: Self.noteLifetime) } catch {
                    logger.debug("case feed notes not pruned", metadata: ["error": "\(DatabaseErrorText.logSummary(error))"])
                }
            }
            try? await Task.sleep(for: interval)
        }
        stopReading()
    }

    /// Cancels the feed's read and the load in progress, and starts no more: reads answer nil
    /// from now on (the server is shutting down; PostgreSQL answers what is left).
    private func stopReading() {
        stopped = true
        catchingUp?.task.cancel()
        loading?.cancel()
    }

    /// Whether the table holds every change committed before `asked`. A read of changes begun
    /// after `asked` is shared; one begun before it may miss a commit, so it is waited for and
    /// another begun.
    private func caughtUp(since asked: ContinuousClock.Instant) async -> Bool {
        while !stopped {
            guard table != nil, ContinuousClock.now - lastCaughtUp < Self.noteLifetime / 2 else {
                if table != nil {
                    logger.info("cases in memory not caught up for long; loading them again")
                    table = nil
                }
                startLoading()
                return false
            }
            if let current = catchingUp {
                let done = await current.task.value
                if current.started >= asked { return done && table != nil }
                continue
            }
            let cursor = table!.cursor
            let started = ContinuousClock.now
            let task = Task { await self.takeChanges(since: cursor) }
            catchingUp = (started, task)
            return await task.value && table != nil
        }
        return false
    }

    private func takeChanges(since cursor: UInt64) async -> Bool {
        defer { catchingUp = nil }
        let started = ContinuousClock.now
        let writes = localWrites.load(ordering: .sequentiallyConsistent)
        do {
            let batch = try await feed.changes(since: cursor)
            guard table != nil else { return false }
            do {
                try table!.apply(batch)
                lastCaughtUp = started
                caughtUpWrites = writes
                recovered()
                return true
            } catch {
                logger.info("cases in memory to be loaded again", metadata: ["reason": "\(error)"])
                table = nil
                startLoading()
                return false
            }
        } catch {
            if !Task.isCancelled { failed("case feed not read; reads go to PostgreSQL meanwhile", error) }
            return false
        }
    }

    private func startLoading() {
        guard loading == nil else { return }
        let feed = feed, logger = logger
        let writes = localWrites.load(ordering: .sequentiallyConsistent)
        // Detached: building two million slots is not to hold up the actor's reads meanwhile.
        loading = Task.detached {
            let clock = ContinuousClock(), started = clock.now
            do {
                let loaded = try await feed.loadTable()
                logger.info("cases loaded into memory", metadata: [
                    "cases": "\(loaded.count)", "seconds": "\(((clock.now - started) / .milliseconds(1)).rounded() / 1_000)"])
                await self.finishLoading(loaded, started: started, writes: writes)
            } catch {
                await self.failed("cases not loaded into memory; reads go to PostgreSQL meanwhile", error)
                await self.finishLoading(nil, started: started, writes: writes)
            }
        }
    }

    private func finishLoading(_ loaded: CaseTable?, started: ContinuousClock.Instant, writes: Int) {
        loading = nil
        guard let loaded else { return }
        table = loaded
        lastCaughtUp = started
        caughtUpWrites = writes
        recovered()
    }

    private func failed(_ message: Logger.Message, _ error: any Error) {
        logger.log(level: failing ? .debug : .warning, message, metadata: ["error": "\(DatabaseErrorText.logSummary(error))"])
        failing = true
    }

    private func recovered() {
        if failing { logger.info("cases in memory current again") }
        failing = false
    }
}

/// Runs `CaseMirror.keepCurrent` beside the HTTP server until the service group shuts down.
public struct CaseMirrorService: Service {
    public let mirror: CaseMirror
    public init(mirror: CaseMirror) { self.mirror = mirror }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await mirror.keepCurrent() }
    }
}
