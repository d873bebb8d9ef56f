import Foundation
import PostgresNIO
import SamespotStore
import SamespotTestSupport
import Testing

/// The race across real service processes: two `samespot serve` processes (the binary SwiftPM
/// built beside the tests) share one PostgreSQL; 200 reports of one spot arrive at once, split
/// between them. Exactly one case must be the parent.
@Suite struct TwoProcessRaceTests {
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("samespot")
    }

    static func startServer(_ settings: DatabaseSettings) async throws -> (Process, Int) {
        let url = settings.url
        var said = ""
        // A server that stops at once (its random port taken, say) is started again on another
        // port, for up to a minute.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let httpPort = Int.random(in: 20_000...60_000)
            let process = Process()
            process.executableURL = binary
            // Without the overload limit: this test is about the merge, not about refusing load.
            process.arguments = ["serve", "--port", String(httpPort), "--database-url", url, "--log-level", "error", "--max-writes-in-flight", "0"]
            // What a server that stops at once says goes into the failure, not nowhere.
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("samespot-serve-\(httpPort).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: log) }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: log)
            try process.run()
            for _ in 0..<120 {
                if !process.isRunning { break }
                if let (status, _) = try? await IntakeTests.send("GET", "/healthz", port: httpPort), status == 200 {
                    return (process, httpPort)
                }
                try await Task.sleep(for: .milliseconds(250))
            }
            process.terminate()
            said = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self).suffix(600).description
            try await Task.sleep(for: .seconds(1))
        }
        throw StoreError.notFound("samespot serve did not start; it said: \(said)")
    }

    /// Sends SIGTERM and waits for the process to exit, recording an issue (and killing it) if
    /// it has not within `limit`: a server left running holds its port and its pool, and once
    /// outlived the whole CI run.
    static func stop(_ process: Process, within limit: Duration = .seconds(30)) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning {
            Issue.record("samespot serve (pid \(process.processIdentifier)) had not exited \(limit) after SIGTERM; killed")
            kill(process.processIdentifier, SIGKILL)
        }
    }

    /// Two `samespot serve` processes on `db`, stopped (and waited for) when `body` ends.
    static func withTwoServers(_ db: Database, _ body: ([Int]) async throws -> Void) async throws {
        let (first, port1) = try await startServer(db.settings)
        let second: (Process, Int)
        do { second = try await startServer(db.settings) } catch {
            await stop(first)
            throw error
        }
        do { try await body([port1, second.1]) } catch {
            await stop(first); await stop(second.0)
            throw error
        }
        await stop(first); await stop(second.0)
    }

    @Test func twoServeProcessesGiveExactlyOneParent() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "no samespot binary beside the tests at \(Self.binary.path)")
        try await IntakeTests.withCity { db in try await Self.withTwoServers(db) { ports in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        let lat = 41.8800 + Double(i % 5) * 0.00001
                        return try await IntakeTests.post(#"{"service_code": "PHF", "lat": \#(lat), "long": -87.6300}"#, port: ports[i % 2]).0
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 200)
            let rows = try await db.client.query("""
                SELECT count(*) FILTER (WHERE parent_request_id IS NULL)::int, count(*)::int, max(child_count)::int
                FROM service_requests WHERE service_code = 'PHF'
                """, logger: db.logger)
            for try await (parents, total, children) in rows.decode((Int, Int, Int).self) {
                #expect(total == 200)
                #expect(parents == 1)
                #expect(children == 199)
            }
        } }
    }
}
