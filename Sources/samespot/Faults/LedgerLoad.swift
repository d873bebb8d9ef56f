import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Intake load that keeps a ledger of every answer, for fault trials: what an intake app does
/// when the service or its database fails under it.
///
/// Request i is due at start + i/rate and is sent until it gets a 2xx, with the same
/// `Idempotency-Key` each time, as a careful client retries: after a transport error (the
/// service was killed), a 5xx or a 503/429 (refused for now), or a 409 (its copy is being
/// answered), it waits a little, reconnects if it must and sends again, until `giveUpAfter`
/// past the end of the run. Any other 4xx is the service's final word on that request (a place
/// outside the city, say): it is not sent again. The ledger says, for each request, how many
/// attempts it took, the first answer's time and the case it was given, or its refusal.
struct LedgerLoad {
    struct Entry: Sendable {
        var index: Int
        var attempts = 0
        /// Seconds from the start of the run to the 2xx, nil when none came.
        var acknowledgedAt: Double?
        var serviceRequestID: String?
        /// The final refusal (a 4xx other than 408, 409 and 429), nil when none came.
        var refusedWith: Int?
        /// Status → count of the answers that were not 2xx; 0 for a transport error, -1 for no
        /// answer within the timeout.
        var failures: [Int: Int] = [:]
    }

    var host = "127.0.0.1"
    var port: Int
    var connections: Int
    var rate: Double
    var duration: Duration
    var giveUpAfter: Duration
    /// How long one attempt waits for its answer before it counts as lost in transit (-1).
    var answerTimeout: Duration = .seconds(20)
    var request: @Sendable (Int) -> LoadGenerator.Request

    /// What each connection is doing now, for a trial that must say where it waits.
    let states = WorkerStates()

    func run(group: MultiThreadedEventLoopGroup) async -> [Entry] {
        let next = RequestCounter()
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + duration
        let giveUp = end + giveUpAfter
        return await withTaskGroup(of: [Entry].self) { workers in
            for worker in 0..<connections {
                workers.addTask {
                    func mark(_ state: String) { states.set(worker, state) }
                    var connection: HTTPConnection?
                    var ledger: [Entry] = []
                    while true {
                        let i = next.take()
                        let due = start + .nanoseconds(Int64(Double(i) / rate * 1e9))
                        if due >= end { break }
                        mark("pacing")
                        if due > clock.now { try? await Task.sleep(until: due, clock: clock) }
                        var entry = Entry(index: i)
                        while entry.acknowledgedAt == nil, entry.refusedWith == nil, clock.now < giveUp {
                            entry.attempts += 1
                            var status = 0
                            var body = ByteBuffer()
                            let sentAt = clock.now
                            do {
                                if connection == nil {
                                    mark("connecting")
                                    connection = try await HTTPConnection.connect(host: host, port: port, group: group)
                                }
                                // An answer that never comes must not stall the ledger: past the
                                // timeout the connection is closed, which fails the send.
                                let open = connection!
                                let timer = Task {
                                    try await Task.sleep(for: answerTimeout)
                                    open.abort()
                                }
                                defer { timer.cancel() }
                                mark("waiting for the answer to #\(i)")
                                (status, body) = try await open.send(request(i))
                            } catch {
                                connection?.abort()
                                connection = nil
                                if clock.now - sentAt >= answerTimeout { status = -1 }
                            }
                            if (200..<300).contains(status) {
                                entry.acknowledgedAt = (clock.now - start).seconds
                                entry.serviceRequestID = Self.serviceRequestID(body)
                            } else if Self.isFinal(status) {
                                entry.refusedWith = status
                            } else {
                                entry.failures[status, default: 0] += 1
                                // Back off a little more each time, as Retry-After asks.
                                mark("backing off")
                                try? await Task.sleep(for: .milliseconds(min(50 * entry.attempts, 500)))
                            }
                        }
                        ledger.append(entry)
                    }
                    connection?.abort()
                    mark("done")
                    return ledger
                }
            }
            var all: [Entry] = []
            for await part in workers { all += part }
            return all.sorted { $0.index < $1.index }
        }
    }

    /// A refusal that a retry cannot change: the request itself is wrong.
    static func isFinal(_ status: Int) -> Bool { (400..<500).contains(status) && ![408, 409, 429].contains(status) }

    static func serviceRequestID(_ body: ByteBuffer) -> String? {
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
        return json?["service_request_id"] as? String
    }
}

/// Each connection's current step, read by the trial while it waits for the load to end.
final class WorkerStates: Sendable {
    private let states = Mutex<[Int: String]>([:])
    func set(_ worker: Int, _ state: String) { states.withLock { $0[worker] = state } }
    func withLock<T: Sendable>(_ body: ([Int: String]) -> T) -> T { states.withLock { body($0) } }
}
