import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import SamespotStore

/// A `samespot serve` process for a benchmark to load: the same binary, a free port, the
/// benchmark's database. Measuring a real server process keeps the load generator's own work
/// out of the server's CPU accounting (they still share the machine's cores).
struct BenchServer {
    let process: Process
    let port: Int

    /// Starts `samespot serve` on `port` (a free one when nil), with `arguments` added to the
    /// benchmark's own; its standard error goes to `log` when one is given.
    static func start(database: DatabaseSettings, port: Int? = nil, arguments: [String] = [], log: URL? = nil) async throws -> BenchServer {
        // The server reaches PostgreSQL as the benchmark does (TCP or a unix socket).
        let url = database.url
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let port = try port ?? freePort()
        let process = Process()
        process.executableURL = binary
        // One public key stands for a whole fleet of resident apps here: no per-key rate. The
        // in-flight limits stay as deployed: the overload phase measures them.
        process.arguments = ["serve", "--port", String(port), "--database-url", url, "--log-level", "error", "--public-key-rate", "0"] + arguments
        process.standardOutput = FileHandle.nullDevice
        // A crash is written to the log briefly and the process ends at once: a full
        // symbolication of every thread can keep a debug build's corpse alive for minutes.
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["SWIFT_BACKTRACE": "enable=yes,symbolicate=fast,threads=crashed"]) { _, new in new }
        if let log {
            if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
            let handle = try FileHandle(forWritingTo: log)
            handle.seekToEndOfFile()
            process.standardError = handle
        }
        try process.run()
        for _ in 0..<240 {
            guard process.isRunning else { throw ValidationError("samespot serve stopped at start; run it by hand to see why") }
            if (try? await fetch("/healthz", port: port))?.status == 200 { return BenchServer(process: process, port: port) }
            try await Task.sleep(for: .milliseconds(250))
        }
        process.terminate()
        throw ValidationError("samespot serve did not answer /healthz within a minute")
    }

    /// Waits until the server holds the cases in memory (`/healthz` counts them), as it does
    /// after its start: a benchmark measures the server at work, not while it loads. The
    /// cases and the seconds waited; nil when it does not keep them (`--cases-in-memory off`).
    func casesInMemory(arguments: [String], within limit: Duration = .seconds(600)) async throws -> (cases: Int, seconds: Double)? {
        guard !arguments.contains("--cases-in-memory=off") else { return nil }
        let clock = ContinuousClock(), start = clock.now
        while clock.now - start < limit {
            if let (status, body) = try? await Self.fetch("/healthz", port: port), status == 200,
               let health = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
               let cases = health["cases_in_memory"] as? Int {
                return (cases, (clock.now - start).seconds)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw ValidationError("samespot serve did not load the cases into memory within \(limit)")
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    /// SIGTERM (graceful: in-flight requests drain), then SIGKILL if it has not ended in time.
    /// It polls rather than block in waitUntilExit: the trial's tasks share two threads.
    func stop(within limit: Duration) async {
        process.terminate()
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { await kill() }
    }

    /// `kill -9`: no shutdown, no drain, no flush; what a power cut or the OOM killer does.
    func kill() async {
        Foundation.kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// One GET on a connection of its own: status and body (readiness checks, timed single calls).
    static func fetch(_ path: String, port: Int, key: String? = nil, group: MultiThreadedEventLoopGroup = .singleton) async throws
        -> (status: Int, body: ByteBuffer)
    {
        let connection = try await HTTPConnection.connect(host: "127.0.0.1", port: port, group: group)
        defer { Task { try? await connection.close() } }
        return try await get(path, key: key, on: connection)
    }

    /// A GET on an open connection (kept alive between calls, as a polling app's HTTP library
    /// keeps it). A process that accepts but never answers (crashing, stuck) fails the call in 5 s.
    static func get(_ path: String, key: String? = nil, on connection: HTTPConnection) async throws -> (status: Int, body: ByteBuffer) {
        let timer = Task {
            try await Task.sleep(for: .seconds(5))
            connection.abort()
        }
        defer { timer.cancel() }
        return try await connection.send(.init(method: .GET, path: path, headers: key.map { [("Authorization", "Bearer \($0)")] } ?? [], body: nil))
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ValidationError("no free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Prints a figure at once, unbuffered: into a pipe or a file, `print` would hold a long
/// benchmark's lines until it ends.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
