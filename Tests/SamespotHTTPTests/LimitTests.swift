import Foundation
import NIOCore
import NIOPosix
import PostgresNIO
import SamespotHTTP
import SamespotStore
import SamespotTestSupport
import Testing

/// Overload is refused at once (503, Retry-After) and nothing refused is stored; a key over its
/// rate waits (429, Retry-After), in Open311's format on Open311's paths.
@Suite struct LimitTests {
    @Test func overloadIsRefusedAtOnceAndNothingAdmittedIsLost() async throws {
        try await TestServer.withSampleCityCopy(limits: LimitSettings(maxWritesInFlight: 1)) { port, db in
            let before = try await IdempotencyTests.count(db)
            let replies = await HTTP.all(30) { i in
                let lat = 41.80 + Double(i) * 0.001
                return try await HTTP.send("POST", "/v1/requests", port: port,
                                           body: #"{"service_code": "GRAF", "lat": \#(lat), "long": -87.66}"#, key: TestKeys.intake)
            }
            let taken = replies.filter { $0.status == 201 }, refused = replies.filter { $0.status == 503 }
            #expect(taken.count + refused.count == 30, "\(replies.map(\.status))")
            #expect(!taken.isEmpty && !refused.isEmpty, "\(replies.map(\.status))")
            #expect(refused.allSatisfy { $0.header("Retry-After") == "1" && $0.errorMessage?.contains("at capacity") == true })
            // Every request that got a 201 is stored, and none that got a 503.
            #expect(try await IdempotencyTests.count(db) == before + taken.count)
            // Health is never limited: the answer is the health document, not the limiter's refusal.
            // (Its own status follows the database, which a loaded CI machine may slow past 3 s.)
            #expect(try await HTTP.get("/healthz", port: port, key: nil).json["database"] != nil)
        }
    }

    @Test func aKeyOverItsRateWaits() async throws {
        // A slow rate (one token each 2 s, a burst of one), so a loaded machine's slow answers
        // cannot refill the bucket between the requests that are meant to find it empty.
        try await TestServer.withSampleCityCopy(limits: LimitSettings(publicKeyRatePerSecond: 0.5)) { port, _ in
            var statuses: [Int] = []
            var limited: Reply?
            for _ in 0..<6 {
                let reply = try await HTTP.get("/open311/v2/services.json", port: port, key: TestKeys.public)
                statuses.append(reply.status)
                if reply.status == 429 { limited = reply }
            }
            // A burst of one, then the rate.
            #expect(statuses.first == 200 && statuses.contains(429), "\(statuses)")
            let refused = try #require(limited)
            #expect(Int(refused.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(refused.open311Error?.code == 429 && refused.open311Error?.description.contains("over its rate of 0.5") == true)
            // Samespot's own paths share the key's bucket and answer in Samespot's format.
            var own: Reply?
            for _ in 0..<4 where own?.status != 429 {
                own = try await HTTP.get("/v1/services", port: port, key: TestKeys.public)
            }
            #expect(own?.status == 429 && own?.errorMessage?.contains("try again in") == true)
            // Staff keys, and callers without a key, are not limited by the public keys' rate.
            for _ in 0..<10 { #expect(try await HTTP.get("/v1/services", port: port, key: TestKeys.intake).status == 200) }
            #expect(try await HTTP.get("/v1/services", port: port, key: nil).status == 200)
        }
    }

    /// A URL far longer than any the API takes (here 91 KB) still gets an error a person can act
    /// on, in the format of its path, not the HTTP layer's bare 400.
    @Test func aVeryLongURLIsRefusedInTheAPIsFormat() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            let ids = Array(repeating: "SR21-0000000", count: 7_000).joined(separator: ",")
            let open311 = try await HTTP.get("/open311/v2/requests.json?service_request_id=\(ids)", port: port, key: nil)
            #expect(open311.status == 400 && open311.open311Error?.description == "service_request_id lists 7000 values; at most 200")
            let long = String(repeating: "x", count: 65)
            let own = try await HTTP.get("/v1/clusters?service_code=GRAF,\(long)", port: port, key: TestKeys.planner)
            #expect(own.status == 400 && own.errorMessage?.contains("at most 64") == true, "\(own.status) \(own.text.prefix(200))")
        }
    }

    /// A client that trickles a request's head (slow-loris) is cut off after the idle timeout;
    /// the server goes on answering others.
    @Test func aSlowClientIsCutOff() async throws {
        try await TestServer.withSampleCityCopy(limits: LimitSettings(idleTimeoutSeconds: 1)) { port, _ in
            // The clock starts before the connection (the server counts from it), and the close
            // is timed on the channel's event loop as it happens: the tests run in parallel, and
            // a busy cooperative pool can resume this task seconds after the close, which would
            // time the test's scheduling, not the server.
            let closedAt = CloseTimer()
            let started = NIODeadline.now()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(closedAt) }
                }
                .connect(host: "127.0.0.1", port: port).get()
            // Half a request's head, then a byte at a time, never the blank line that ends it.
            // On a loaded machine this task may resume after the idle timeout has already cut
            // the connection: the write then fails, and the close is timed all the same.
            try? await channel.writeAndFlush(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: samespot\r\n")).get()
            let trickle = Task {
                for _ in 0..<20 {
                    try await Task.sleep(for: .milliseconds(300))
                    try await channel.writeAndFlush(ByteBuffer(string: "X")).get()
                }
            }
            // If the server never closes it, the test does, after 6 s, and fails.
            let guardrail = Task {
                try await Task.sleep(for: .seconds(6))
                try await channel.close()
            }
            try await channel.closeFuture.get()
            guardrail.cancel()
            trickle.cancel()
            let held = try await channel.eventLoop.submit { closedAt.instant.map { $0 - started } }.get()
            let heldText = held.map { "\(Double($0.nanoseconds) / 1e9) s" } ?? "no close seen"
            #expect(held.map { $0 < .seconds(5) } == true, "the server kept a slow client for \(heldText)")
            #expect(held.map { $0 >= .milliseconds(900) } == true, "closed after \(heldText), before the idle timeout")
            // A page that needs no database, so only the server's own answering is tested.
            #expect(try await HTTP.get("/openapi.json", port: port, key: nil).status == 200)
        }
    }
}

/// Notes when its channel goes inactive, on the channel's event loop.
private final class CloseTimer: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    /// Read and written only on the channel's event loop.
    private(set) var instant: NIODeadline?

    func channelInactive(context: ChannelHandlerContext) {
        instant = NIODeadline.now()
        context.fireChannelInactive()
    }
}
