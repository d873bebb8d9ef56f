import Foundation
import Logging
import NIOCore
import SamespotTestSupport
import Testing

@testable import SamespotHTTP

@Suite struct SlowRequestWatchTests {
    @Test func aRequestPastTheLimitIsNamedOnceAndForgottenWhenItEnds() {
        let lines = LogLines()
        let logger = Logger(label: "samespot.watch") { _ in CapturingLogHandler(lines: lines) }
        let requests = RequestsInProgress()
        let watch = SlowRequestWatch(requests: requests, limit: .seconds(30))
        let start = ContinuousClock.now
        let slow = requests.begin(method: "POST", path: "/v1/requests", logger: logger, at: start)
        _ = requests.begin(method: "GET", path: "/v1/matches", logger: logger, at: start + .seconds(20))

        watch.report(now: start + .seconds(29))
        #expect(lines.all.isEmpty)
        watch.report(now: start + .seconds(41))
        #expect(lines.all.count == 1)
        let line = lines.all.first ?? ""
        #expect(line.contains("request still in progress after 41 s") && line.contains("/v1/requests") && line.contains("POST"))
        #expect(line.contains(#""in_progress": 2"#))
        // Named once, however long it goes on.
        watch.report(now: start + .seconds(45))
        #expect(lines.all.count == 1)
        // The second, at 30 s past its own start.
        watch.report(now: start + .seconds(51))
        #expect(lines.all.count == 2 && lines.all.last?.contains("/v1/matches") == true)

        requests.end(slow)
        #expect(requests.count == 1)
    }

    /// A real server, and a client that sends a post's head and never its whole body: the
    /// handler waits for it, and the log names the request (its path, never its body) while it
    /// waits. Closing the connection ends it.
    @Test func aServerNamesARequestThatHasNotEnded() async throws {
        let lines = LogLines()
        var logger = Logger(label: "samespot.watch") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .warning
        let limits = LimitSettings(idleTimeoutSeconds: 60, slowRequestSeconds: 1)
        try await TestServer.withSampleCityCopy(logger: logger, limits: limits) { port, _ in
            let (channel, _) = try await GracefulShutdownTests.connect(port: port)
            let head = "POST /v1/requests?address=1600+W+Chicago+Ave HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(TestKeys.intake)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"service_code\": \"4fd3b6"
            try await channel.writeAndFlush(ByteBuffer(string: head))
            var named: [String] = []
            let deadline = ContinuousClock.now + .seconds(15)
            while named.isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                named = lines.all.filter { $0.contains("request still in progress") }
            }
            try await channel.close()
            #expect(named.count == 1)
            #expect(named.first?.contains("/v1/requests") == true && named.first?.contains("hb.request.id") == true)
            // The path alone: not the query (it may carry an address), not the body, not the key.
            #expect(named.first?.contains("Chicago") == false && named.first?.contains("4fd3b6") == false)
            #expect(named.first?.contains(TestKeys.intake) == false)
        }
    }
}
