import Foundation
import NIOCore
import NIOPosix
import PostgresNIO
import SamespotTestSupport
import Synchronization
import Testing

/// SIGTERM (what systemd, compose and Kubernetes send) drains the service: a request already
/// being received is answered and stored, idle connections are closed, and the process exits
/// with status 0. The request is held in flight deterministically: its head and half its body
/// are sent before the signal, the rest after.
@Suite struct GracefulShutdownTests {
    @Test func sigtermAnswersTheRequestInFlightAndExitsCleanly() async throws {
        try await IntakeTests.withCity { db in
            let started: (Process, Int)
            do { started = try await TwoProcessRaceTests.startServer(db.settings) } catch {
                Issue.record("samespot serve did not start: \(error)")
                throw error
            }
            let (process, port) = started
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

            let body = #"{"service_code": "PHF", "lat": 41.8801, "long": -87.6301, "description": "reported while the service stops"}"#
            let bytes = Array(body.utf8)
            let half = bytes.count / 2
            let (inFlight, received) = try await Self.connect(port: port)
            let (idle, _) = try await Self.connect(port: port)
            try await inFlight.writeAndFlush(ByteBuffer(string: """
                POST /v1/requests HTTP/1.1\r
                Host: samespot\r
                Authorization: Bearer \(TestKeys.intake)\r
                Content-Type: application/json\r
                Content-Length: \(bytes.count)\r
                \r

                """)).get()
            try await inFlight.writeAndFlush(ByteBuffer(bytes: bytes[..<half])).get()
            try await Task.sleep(for: .milliseconds(300))

            process.terminate()  // SIGTERM
            try await Task.sleep(for: .milliseconds(500))
            #expect(process.isRunning, "the service exited with a request half received")
            // The idle connection is closed by the drain (the test gives up on it after 10 s).
            let idleClosed = try await Self.closes(idle, within: .seconds(10))
            #expect(idleClosed, "an idle connection was kept open through the shutdown")

            try await inFlight.writeAndFlush(ByteBuffer(bytes: bytes[half...])).get()
            let answer = try await Self.readAll(inFlight, received, within: .seconds(20))
            #expect(answer.hasPrefix("HTTP/1.1 201"), "\(answer.prefix(200))")
            let id = try #require(answer.firstMatch(of: /"service_request_id":"([^"]+)"/)?.1, "\(answer)")

            // The process ends by itself, and cleanly.
            for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
            #expect(!process.isRunning, "the service did not exit within 10 s of SIGTERM")
            if !process.isRunning {
                #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(process.terminationReason) \(process.terminationStatus)")
            }
            // What it acknowledged is stored.
            let rows = try await db.client.query("SELECT count(*)::int FROM service_requests WHERE service_request_id = \(String(id))", logger: db.logger)
            for try await count in rows.decode(Int.self) { #expect(count == 1) }
        }
    }

    /// With its database gone, the service still stops at SIGTERM in a few seconds: the
    /// background loops (the case feed's reader, the index refresher) give up their wait for a
    /// connection rather than hold the shutdown until the pool stops trying (60 s), past the
    /// 10–30 s an orchestrator allows before it kills.
    @Test func sigtermExitsPromptlyWithTheDatabaseGone() async throws {
        try await IntakeTests.withCity { db in
            let (process, port) = try await TwoProcessRaceTests.startServer(db.settings)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            // The cases are in memory and the feed is read every second.
            let status = try await HTTP.send("GET", "/open311/v2/requests.json", port: port, key: nil).status
            #expect(status == 200)

            try await TestDatabase.dropInUse(db.settings.database)
            // Long enough for both loops to fail once and wait on the pool again.
            try await Task.sleep(for: .seconds(7))
            process.terminate()
            let stopped = ContinuousClock.now
            while process.isRunning, ContinuousClock.now - stopped < .seconds(40) { try await Task.sleep(for: .milliseconds(100)) }
            #expect(!process.isRunning, "the service had not exited 40 s after SIGTERM")
            #expect(ContinuousClock.now - stopped < .seconds(20), "the service took \(ContinuousClock.now - stopped) to exit after SIGTERM")
            if !process.isRunning {
                #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(process.terminationReason) \(process.terminationStatus)")
            }
        }
    }

    /// A raw TCP connection whose inbound bytes are collected, so a test can read a response
    /// to a request it writes by hand. The collector is kept, not looked up later: once the server closes the connection the
    /// pipeline is gone, and a lookup then fails (it did, now and then, in full runs).
    static func connect(port: Int) async throws -> (any Channel, Collector) {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) } }
            .connect(host: "127.0.0.1", port: port).get()
        return (channel, collector)
    }

    /// Whether the peer closes `channel` within `limit`.
    static func closes(_ channel: any Channel, within limit: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while channel.isActive, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return !channel.isActive
    }

    /// Everything the server sends until it closes the connection or `limit` passes.
    static func readAll(_ channel: any Channel, _ collector: Collector, within limit: Duration) async throws -> String {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let text = collector.text
            // A whole response: its head and as many body bytes as it announced.
            if let range = text.range(of: "\r\n\r\n"),
               let length = text.firstMatch(of: /(?i)content-length: (\d+)/).flatMap({ Int($0.1) }),
               text[range.upperBound...].utf8.count >= length { return text }
            // Read again: the body may have come, and the connection closed, since `text` was taken
            // (it did once on CI: a 201's head with none of its 188 bytes). Every read reaches the
            // collector before the channel goes inactive, so this text is whole.
            if !channel.isActive { return collector.text }
            try await Task.sleep(for: .milliseconds(50))
        }
        return collector.text
    }

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        private let received = Mutex("")
        var text: String { received.withLock { $0 } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock { $0 += String(buffer: buffer) }
        }
    }
}
