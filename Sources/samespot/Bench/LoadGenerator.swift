import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A load generator for the HTTP benchmark: keep-alive HTTP/1.1 connections on SwiftNIO, one
/// request in flight per connection.
///
/// At a fixed rate, request i is due at start + i/rate and its latency is measured from when it
/// was due, not from when a connection got free to send it: a server that falls behind is
/// charged for the wait (no "coordinated omission", as wrk2 does it). Without a rate, every
/// connection sends as fast as answers come back, for the throughput ceiling.
enum LoadGenerator {
    struct Plan: Sendable {
        var host: String
        var port: Int
        var connections: Int
        /// Requests per second; nil: as fast as the server answers.
        var rate: Double?
        var duration: Duration
    }

    struct Outcome: Sendable {
        var sent: Int
        var succeeded: Int
        /// Status code → count, for the answers that were not 2xx (and 0 for transport errors).
        var failures: [Int: Int]
        var seconds: Double
        /// Milliseconds, sorted.
        var latencies: [Double]
        /// Milliseconds of the answers that were 2xx (the requests the server admitted), sorted.
        var admitted: [Double] = []

        var throughput: Double { Double(sent) / seconds }
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            return latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.down)))]
        }
        var summary: String {
            let f = { (v: Double) in String(format: "%.2f", v) }
            let failed = failures.isEmpty ? "" : ", not 2xx: \(failures.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))"
            var text = "\(sent) requests in \(f(seconds)) s = \(Int(throughput)) req/s; latency p50 \(f(percentile(0.5))) ms, "
                + "p90 \(f(percentile(0.9))) ms, p99 \(f(percentile(0.99))) ms, p99.9 \(f(percentile(0.999))) ms, max \(f(latencies.last ?? .nan)) ms\(failed)"
            if admitted.count != latencies.count, !admitted.isEmpty {
                let p = { (q: Double) in admitted[min(admitted.count - 1, Int((Double(admitted.count) * q).rounded(.down)))] }
                text += "; the \(admitted.count) admitted (2xx): \(Int(Double(admitted.count) / seconds)) req/s, p50 \(f(p(0.5))) ms, "
                    + "p99 \(f(p(0.99))) ms, max \(f(admitted.last ?? .nan)) ms"
            }
            return text
        }
    }

    struct Request: Sendable {
        var method: HTTPMethod
        var path: String
        var headers: [(String, String)]
        var body: String?
    }

    static func run(_ plan: Plan, group: MultiThreadedEventLoopGroup, request: @escaping @Sendable (Int) -> Request) async throws -> Outcome {
        var connections: [HTTPConnection] = []
        for _ in 0..<plan.connections {
            connections.append(try await HTTPConnection.connect(host: plan.host, port: plan.port, group: group))
        }
        let next = RequestCounter()
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + plan.duration
        let results = try await withThrowingTaskGroup(of: ([Double], Int, [Int: Int], [Double]).self) { tasks in
            for connection in connections {
                tasks.addTask {
                    var latencies: [Double] = [], succeeded = 0, failures: [Int: Int] = [:], admitted: [Double] = []
                    while true {
                        let i = next.take()
                        var due = clock.now
                        if let rate = plan.rate {
                            due = start + .nanoseconds(Int64(Double(i) / rate * 1e9))
                            if due >= end { break }
                            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
                        } else if due >= end {
                            break
                        }
                        let status = (try? await connection.send(request(i)).status) ?? 0
                        let latency = (clock.now - due).seconds * 1_000
                        latencies.append(latency)
                        if (200..<300).contains(status) {
                            succeeded += 1
                            admitted.append(latency)
                        } else {
                            failures[status, default: 0] += 1
                        }
                    }
                    return (latencies, succeeded, failures, admitted)
                }
            }
            var all: [([Double], Int, [Int: Int], [Double])] = []
            for try await r in tasks { all.append(r) }
            return all
        }
        let seconds = (clock.now - start).seconds
        for c in connections { try? await c.close() }
        var latencies = results.flatMap(\.0)
        latencies.sort()
        var failures: [Int: Int] = [:]
        for r in results { failures.merge(r.2, uniquingKeysWith: +) }
        return Outcome(sent: latencies.count, succeeded: results.reduce(0) { $0 + $1.1 }, failures: failures, seconds: seconds,
                       latencies: latencies, admitted: results.flatMap(\.3).sorted())
    }
}

/// Hands out request numbers 0, 1, 2, … to the connections.
final class RequestCounter: Sendable {
    private let next = Mutex(0)
    func take() -> Int { next.withLock { n in defer { n += 1 }; return n } }
}

/// One keep-alive connection; `send` writes a request and waits for its whole answer.
final class HTTPConnection: Sendable {
    let channel: any Channel
    private let responses: NIOLoopBound<ResponseCollector>
    let host: String

    private init(channel: any Channel, responses: NIOLoopBound<ResponseCollector>, host: String) {
        self.channel = channel
        self.responses = responses
        self.host = host
    }

    static func connect(host: String, port: Int, group: MultiThreadedEventLoopGroup) async throws -> HTTPConnection {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector())
                }
            }
            .connect(host: host, port: port).get()
        // The collector lives on the channel's event loop; it is only touched there.
        let responses = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ResponseCollector.self), eventLoop: channel.eventLoop)
        }.get()
        return HTTPConnection(channel: channel, responses: responses, host: host)
    }

    /// The answer: its status code and body.
    func send(_ request: LoadGenerator.Request) async throws -> (status: Int, body: ByteBuffer) {
        let channel = self.channel, responses = self.responses, host = self.host
        return try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<(status: Int, body: ByteBuffer)> in
            // A connection the server already closed (it died, or dropped us) fails the send at
            // once: otherwise the answer's promise would wait for a channelInactive that has passed.
            guard channel.isActive else { return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
            let promise = channel.eventLoop.makePromise(of: (status: Int, body: ByteBuffer).self)
            responses.value.pending = promise
            var head = HTTPRequestHead(version: .http1_1, method: request.method, uri: request.path)
            head.headers.add(name: "Host", value: host)
            for (name, value) in request.headers { head.headers.add(name: name, value: value) }
            let body = request.body.map { ByteBuffer(string: $0) }
            head.headers.add(name: "Content-Length", value: String(body?.readableBytes ?? 0))
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
            channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { error in
                responses.value.pending?.fail(error)
                responses.value.pending = nil
            }
            return promise.futureResult
        }.get()
    }

    func close() async throws { try await channel.close() }

    /// Closes without waiting for the close to complete: a pending `send` fails at once.
    func abort() { channel.close(promise: nil) }
}

/// Completes the pending request's promise with the status and body when its answer has ended.
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    var pending: EventLoopPromise<(status: Int, body: ByteBuffer)>?
    private var status = 0
    private var body = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            let promise = pending
            pending = nil
            promise?.succeed((status, body))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        pending?.fail(error)
        pending = nil
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.fail(ChannelError.ioOnClosedChannel)
        pending = nil
    }
}
