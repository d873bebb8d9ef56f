import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The requests this instance is answering, so one that runs far longer than any should is
/// named in the log while it is still running. A handler waiting on something that never comes
/// otherwise leaves no trace: its client gives up, the access log never gets a line for it, and
/// a graceful shutdown waits on it without saying what for.
public final class RequestsInProgress: Sendable {
    struct Entry: Sendable {
        let method: String
        /// The path without its query string (which may carry an address).
        let path: String
        let started: ContinuousClock.Instant
        /// Carries the request's id (`hb.request.id`), so the warning can be matched to its other lines.
        let logger: Logger
        var reported = false
    }

    private let entries = Mutex<[UInt64: Entry]>([:])
    private let nextID = Atomic<UInt64>(0)

    public init() {}

    func begin(method: String, path: String, logger: Logger, at now: ContinuousClock.Instant = .now) -> UInt64 {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        entries.withLock { $0[id] = Entry(method: method, path: path, started: now, logger: logger) }
        return id
    }

    func end(_ id: UInt64) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }

    /// Requests begun more than `limit` before `now` and not reported yet, each reported once.
    func overdue(after limit: Duration, now: ContinuousClock.Instant = .now) -> [Entry] {
        entries.withLock { all in
            var late: [Entry] = []
            for (id, entry) in all where !entry.reported && now - entry.started > limit {
                all[id]?.reported = true
                late.append(entry)
            }
            return late
        }
    }

    /// How many are in progress now.
    public var count: Int { entries.withLock { $0.count } }
}

/// Registers each request in `RequestsInProgress` for as long as it is answered. Outermost, so
/// the time counted is the whole answer, middleware included.
struct RequestsInProgressMiddleware: RouterMiddleware {
    typealias Context = SamespotRequestContext
    let requests: RequestsInProgress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = requests.begin(method: request.method.rawValue, path: request.uri.path, logger: context.logger)
        defer { requests.end(id) }
        return try await next(request, context)
    }
}

/// Looks at the requests in progress every few seconds and logs, once each, those that have
/// run past `limit`: with method, path, age and request id, never the query or the body.
/// Runs until the server has stopped (a service after the server's in the group), so a
/// shutdown held up by a request still names it.
public struct SlowRequestWatch: Service {
    let requests: RequestsInProgress
    let limit: Duration
    /// A fifth of the limit, within 0.1 to 5 s: a late request is named at most a fifth late.
    let every: Duration

    public init(requests: RequestsInProgress, limit: Duration) {
        self.requests = requests
        self.limit = limit
        self.every = max(.milliseconds(100), min(.seconds(5), limit / 5))
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: every)
                report(now: .now)
            }
        }
    }

    func report(now: ContinuousClock.Instant) {
        let late = requests.overdue(after: limit, now: now)
        guard !late.isEmpty else { return }
        let inProgress = requests.count
        for entry in late {
            let seconds = Int((now - entry.started).components.seconds)
            entry.logger.warning("request still in progress after \(seconds) s", metadata: [
                "method": "\(entry.method)", "path": "\(entry.path)", "in_progress": "\(inProgress)"])
        }
    }
}
