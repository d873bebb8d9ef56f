import ArgumentParser
import Foundation
import NIOPosix
import PostgresNIO
import SamespotCore
import SamespotStore

extension Faults {
    /// Nothing acknowledged is lost: intake at a steady rate, with a ledger of every answer,
    /// while the service is killed with SIGKILL and restarted, and PostgreSQL is stopped in
    /// immediate mode (its crash) and started again. Then, in SQL: every request that got a 2xx
    /// is stored exactly once, under the case number it was given; no case lacks its history,
    /// audit, ward or decision rows; the parent/child graph is a forest of depth one with true
    /// counts; and the service answered 2xx again after each fault without being touched.
    struct Durability: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Kill the service and crash PostgreSQL under intake load; check every acknowledged request is stored once and whole.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "Requests per second offered") var rate = 300.0
        @Option(help: "Connections of the load (each one request in flight)") var connections = 32
        @Option(help: "Seconds of load; the service is killed at a quarter, PostgreSQL crashed at three fifths") var seconds = 30
        @Option(help: "Shell command that stops PostgreSQL abruptly") var stopDatabase = "scripts/pg crash"
        @Option(help: "Shell command that starts PostgreSQL again") var startDatabase = "scripts/pg start"
        @Option(help: "Seconds PostgreSQL stays down") var databaseDownSeconds = 3.0
        @Option(help: "Write the ledger here as CSV (request, attempts, acknowledged at, case, failures)") var ledger: String?
        @Option(help: "Append the service's log here") var serviceLog: String?

        func run() async throws {
            let logger = database.makeLogger("samespot.faults")
            let settings = try database.settings()
            let (key, points) = try await Database.withRunning(settings: settings, logger: logger) { db in
                let key = try await APIKeyStore(database: db).create(role: .intake, label: "durability trial").key
                let points = try await db.client.query("SELECT longitude, latitude, full_address FROM address_points ORDER BY address_id LIMIT 20000",
                                                       logger: db.logger).collect().map { row in
                    let (lon, lat, address) = try row.decode((Double, Double, String).self)
                    return BenchPoint(longitude: lon, latitude: lat, address: address)
                }
                return (key, points)
            }
            guard !points.isEmpty else { throw ValidationError("no address points: import the sample city first (scripts/faults does)") }
            let run = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let log = serviceLog.map { URL(fileURLWithPath: $0) }
            let serveArguments = ["--max-writes-in-flight", "0"]
            var server = try await BenchServer.start(database: settings, arguments: serveArguments, log: log)
            let port = server.port
            report("durability trial \(run): \(Int(rate)) requests/s for \(seconds) s over \(connections) connections, port \(port)")

            let load = LedgerLoad(port: port, connections: connections, rate: rate, duration: .seconds(seconds), giveUpAfter: .seconds(30)) { i in
                .init(method: .POST, path: "/v1/requests",
                      headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json"), ("Idempotency-Key", "durability-\(run)-\(i)")],
                      body: Self.body(points, i, run: run))
            }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let clock = ContinuousClock()
            let start = clock.now
            async let entries = load.run(group: group)

            // Between the faults the trial watches the service as systemd's Restart=always or
            // compose's restart policy would: one that exits on its own is a crash, started again.
            var crashes: [Double] = []
            func supervise(until deadline: ContinuousClock.Instant) async throws {
                while clock.now < deadline {
                    if !server.process.isRunning {
                        crashes.append((clock.now - start).seconds)
                        server = try await BenchServer.start(database: settings, port: port, arguments: serveArguments, log: log)
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }

            // Fault 1: the service dies mid-request and is started again.
            try await supervise(until: start + .seconds(Double(seconds) * 0.25))
            let killedAt = (clock.now - start).seconds
            await server.kill()
            server = try await BenchServer.start(database: settings, port: port, arguments: serveArguments, log: log)
            report(String(format: "  %.1f s: service killed (SIGKILL); restarted and answering /healthz at %.1f s", killedAt, (clock.now - start).seconds))

            // Fault 2: PostgreSQL crashes (immediate stop: no checkpoint, clients cut) and comes back.
            try await supervise(until: start + .seconds(Double(seconds) * 0.6))
            let crashedAt = (clock.now - start).seconds
            try await runShell(stopDatabase)
            try await Task.sleep(for: .seconds(databaseDownSeconds))
            try await runShell(startDatabase)
            let restartedAt = (clock.now - start).seconds
            report(String(format: "  %.1f s: PostgreSQL stopped in immediate mode; started again at %.1f s", crashedAt, restartedAt))

            try await supervise(until: start + .seconds(Double(seconds)))
            for _ in 0..<12 {
                try await Task.sleep(for: .seconds(10))
                let states = load.states.withLock { $0 }
                report("  \(String(format: "%.0f", (clock.now - start).seconds)) s: " + Dictionary(grouping: states.values, by: { $0 }).map { "\($0.key) ×\($0.value.count)" }.sorted().joined(separator: ", "))
                if states.values.allSatisfy({ $0 == "done" }) { break }
            }
            let answers = await entries
            report(String(format: "  %.1f s: the load's last answer; stopping the service", (clock.now - start).seconds))
            await server.stop(within: .seconds(15))
            try await group.shutdownGracefully()
            if let path = self.ledger { try Self.write(answers, to: path) }

            let acknowledged = answers.filter { $0.acknowledgedAt != nil }
            var failures: [Int: Int] = [:]
            for entry in answers { failures.merge(entry.failures, uniquingKeysWith: +) }
            let attempts = answers.reduce(0) { $0 + $1.attempts }
            let recoveredAfterKill = acknowledged.compactMap(\.acknowledgedAt).filter { $0 > killedAt }.min()
            let recoveredAfterCrash = acknowledged.compactMap(\.acknowledgedAt).filter { $0 > restartedAt }.min()

            let check = try await DurabilityCheck.run(settings: settings, run: run, logger: logger)
            let lost = acknowledged.filter { check.found[$0.index] == nil }
            let renamed = acknowledged.filter { entry in check.found[entry.index].map { $0 != entry.serviceRequestID } ?? false }
            let foundUnacknowledged = answers.filter { $0.acknowledgedAt == nil && check.found[$0.index] != nil }.count
            let refused = answers.filter { $0.refusedWith != nil }
            let storedThoughRefused = refused.filter { check.found[$0.index] != nil }
            let refusals = Dictionary(grouping: refused, by: { $0.refusedWith! }).sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value.count)" }

            let notes = failures.sorted { $0.key < $1.key }.map { "\($0.key == 0 ? "transport error" : $0.key == -1 ? "no answer in 20 s" : String($0.key))×\($0.value)" }
            report("  sent \(answers.count) requests in \(attempts) attempts (failed attempts: \(notes.isEmpty ? "none" : notes.joined(separator: ", ")))")
            report("  acknowledged (2xx) \(acknowledged.count); found in the database \(check.found.count), of them \(foundUnacknowledged) never acknowledged")
            report("  refused for good (4xx) \(refused.count)\(refusals.isEmpty ? "" : " (" + refusals.joined(separator: ", ") + ")"), of them stored \(storedThoughRefused.count)")
            report("  lost \(lost.count); stored twice \(check.duplicated); under another case number \(renamed.count); "
                   + "neither acknowledged nor refused \(answers.count - acknowledged.count - refused.count)")
            report("  the service exited by itself \(crashes.count) times" + (crashes.isEmpty ? "" : String(format: " (at %@ s; restarted as a supervisor would)",
                                                                                   crashes.map { String(format: "%.1f", $0) }.joined(separator: ", "))))
            report("  half-written cases \(check.halfWritten); children of children \(check.childrenOfChildren); wrong child counts \(check.wrongChildCounts)")
            report(String(format: "  first 2xx after the kill: %@; after PostgreSQL came back: %@",
                          recoveredAfterKill.map { String(format: "%.1f s (%.1f s later)", $0, $0 - killedAt) } ?? "none",
                          recoveredAfterCrash.map { String(format: "%.1f s (%.1f s later)", $0, $0 - restartedAt) } ?? "none"))

            var problems: [String] = []
            if !lost.isEmpty { problems.append("\(lost.count) acknowledged requests are not in the database (first: #\(lost[0].index))") }
            if !storedThoughRefused.isEmpty { problems.append("\(storedThoughRefused.count) refused requests were stored (first: #\(storedThoughRefused[0].index))") }
            if check.duplicated > 0 { problems.append("\(check.duplicated) requests are stored more than once") }
            if !renamed.isEmpty { problems.append("\(renamed.count) requests are stored under another case number than the one acknowledged") }
            if check.halfWritten > 0 { problems.append("\(check.halfWritten) cases lack history, audit, ward or decision rows") }
            if check.childrenOfChildren > 0 || check.wrongChildCounts > 0 { problems.append("the parent/child graph is broken") }
            if recoveredAfterKill == nil || recoveredAfterCrash == nil { problems.append("the service did not answer 2xx again after a fault") }
            if acknowledged.count < answers.count / 2 { problems.append("fewer than half the requests were acknowledged: the trial says little") }
            guard problems.isEmpty else { throw ValidationError("durability trial failed: " + problems.joined(separator: "; ")) }
            report("durability trial passed")
        }

        /// Request i: a spot among the first address points (so duplicates merge), half by point,
        /// half by typed address; its description names the trial and i, for the check.
        static func body(_ points: [BenchPoint], _ i: Int, run: String) -> String {
            let p = points[(i &* 7_919) % min(points.count, 2_000)]
            let code = BenchPoint.codes[i % BenchPoint.codes.count]
            let description = "durability \(run) \(i)"
            if i % 2 == 0 {
                return #"{"service_code": "\#(code)", "lat": \#(p.latitude), "long": \#(p.longitude), "description": "\#(description)"}"#
            }
            return #"{"service_code": "\#(code)", "address": "\#(p.address.lowercased())", "description": "\#(description)"}"#
        }

        static func write(_ ledger: [LedgerLoad.Entry], to path: String) throws {
            var text = "request,attempts,acknowledged_at_s,service_request_id,refused_with,failures\n"
            for e in ledger {
                let failures = e.failures.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")
                text += "\(e.index),\(e.attempts),\(e.acknowledgedAt.map { String(format: "%.3f", $0) } ?? ""),\(e.serviceRequestID ?? ""),"
                    + "\(e.refusedWith.map(String.init) ?? ""),\(failures)\n"
            }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}

/// What the database holds after a durability trial, by SQL alone.
struct DurabilityCheck {
    /// Request number → the case number stored for it (each trial request names itself in its description).
    var found: [Int: String] = [:]
    var duplicated = 0
    var halfWritten = 0
    var childrenOfChildren = 0
    var wrongChildCounts = 0

    static func run(settings: DatabaseSettings, run: String, logger: Logger) async throws -> DurabilityCheck {
        // PostgreSQL may still be finishing its crash recovery: try for a minute.
        var lastError: (any Error)?
        for _ in 0..<60 {
            do {
                return try await Database.withRunning(settings: settings, logger: logger) { db in try await check(db, run: run) }
            } catch {
                lastError = error
                try await Task.sleep(for: .seconds(1))
            }
        }
        throw lastError ?? ValidationError("the database did not come back")
    }

    private static func check(_ db: Database, run: String) async throws -> DurabilityCheck {
        var result = DurabilityCheck()
        let prefix = "durability \(run) "
        let rows = try await db.client.query("""
            SELECT substr(description, \(prefix.count + 1)::int)::int, count(*)::int, min(service_request_id)
            FROM service_requests WHERE description LIKE \(prefix + "%") GROUP BY description
            """, logger: db.logger)
        for try await (index, copies, number) in rows.decode((Int, Int, String).self) {
            result.found[index] = number
            if copies > 1 { result.duplicated += 1 }
        }
        // Intake writes a case with all of these in one statement: any missing means a torn write.
        result.halfWritten = try await count(db, """
            SELECT count(*)::int FROM service_requests r
            WHERE r.description LIKE \(prefix + "%") AND (
                NOT EXISTS (SELECT 1 FROM status_history h WHERE h.request_id = r.request_id)
                OR NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.request_id = r.request_id)
                OR (r.longitude IS NOT NULL AND (SELECT count(*) FROM request_wards w WHERE w.request_id = r.request_id) <> (SELECT count(*) FROM ward_sets))
                OR (r.parent_request_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dedup_decisions d WHERE d.request_id = r.request_id)))
            """)
        result.childrenOfChildren = try await count(db, """
            SELECT count(*)::int FROM service_requests c JOIN service_requests p ON p.request_id = c.parent_request_id
            WHERE p.parent_request_id IS NOT NULL
            """)
        result.wrongChildCounts = try await count(db, """
            SELECT count(*)::int FROM service_requests p
            WHERE p.child_count <> (SELECT count(*) FROM service_requests c WHERE c.parent_request_id = p.request_id)
            """)
        return result
    }

    private static func count(_ db: Database, _ query: PostgresQuery) async throws -> Int {
        try await db.client.query(query, logger: db.logger).decode(Int.self).reduce(0, +)
    }
}
