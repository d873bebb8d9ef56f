import Foundation
import Logging
import SamespotStore

/// Where a phase's CPU went: the server process, PostgreSQL (the postmaster and every backend,
/// including those that ended meanwhile), and this process (the load generator). On a machine
/// whose cores the three share, a request rate alone cannot say which of them to make cheaper;
/// CPU time per request can. The load generator is this process, or pgbench run by it. Read
/// from Linux's /proc, in clock ticks (usually 10 ms each, so a phase of several seconds is
/// needed for a figure worth printing).
struct CPUShare {
    /// Seconds of CPU (user + system) so far.
    struct Reading {
        var server: Double
        var postgres: Double
        var generator: Double
    }

    let serverPID: Int32?
    let postmasterPID: Int32

    /// The postmaster is the parent of any backend: one connection asks its own pid.
    static func locate(server: Int32?, database: DatabaseSettings, logger: Logger) async throws -> CPUShare? {
        // Read while the connection is open: its backend ends with it.
        let postmaster = try await Database.withRunning(settings: database, logger: logger) { db -> Int32? in
            for try await pid in try await db.client.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self) {
                return Stat(pid: pid)?.parent
            }
            return nil
        }
        // PostgreSQL on another machine (or not Linux): nothing to read.
        guard let postmaster else { return nil }
        return CPUShare(serverPID: server, postmasterPID: postmaster)
    }

    func read() -> Reading {
        let postmaster = Stat(pid: postmasterPID)
        // Backends that ended were reaped by the postmaster: their time is in its children's total.
        var postgres = (postmaster?.own ?? 0) + (postmaster?.reapedChildren ?? 0)
        for pid in Self.processes() where pid != postmasterPID {
            if let stat = Stat(pid: pid), stat.parent == postmasterPID { postgres += stat.own }
        }
        // The load generator is this process, or a child it waited for (pgbench).
        let me = Stat(pid: getpid())
        return Reading(server: serverPID.flatMap { Stat(pid: $0)?.own } ?? 0, postgres: postgres,
                       generator: (me?.own ?? 0) + (me?.reapedChildren ?? 0))
    }

    /// "CPU per request: server 812 µs, PostgreSQL 640 µs, load generator 150 µs".
    static func perRequest(from start: Reading, to end: Reading, requests: Int) -> String {
        let n = Double(max(requests, 1))
        let micros = { (seconds: Double) in String(format: "%.0f µs", seconds / n * 1_000_000) }
        var parts: [String] = []
        if end.server > 0 { parts.append("server \(micros(end.server - start.server))") }
        parts.append("PostgreSQL \(micros(end.postgres - start.postgres))")
        parts.append("load generator \(micros(end.generator - start.generator))")
        return "CPU per request: " + parts.joined(separator: ", ")
    }

    private static func processes() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(Int32.init)
    }

    /// The fields of /proc/<pid>/stat this needs (proc(5): 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime).
    struct Stat {
        var parent: Int32
        var own: Double
        var reapedChildren: Double

        static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

        init?(pid: Int32) {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  // The command name (field 2) is in parentheses and may hold spaces: count after it.
                  let close = text.lastIndex(of: ")") else { return nil }
            let fields = text[text.index(after: close)...].split(separator: " ")
            // fields[0] is field 3 (state).
            guard fields.count > 14, let parent = Int32(fields[1]), let utime = Double(fields[11]), let stime = Double(fields[12]),
                  let cutime = Double(fields[13]), let cstime = Double(fields[14]) else { return nil }
            self.parent = parent
            own = (utime + stime) / Self.ticksPerSecond
            reapedChildren = (cutime + cstime) / Self.ticksPerSecond
        }
    }
}
