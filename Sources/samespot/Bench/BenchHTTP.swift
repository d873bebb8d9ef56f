import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import PostgresNIO
import SamespotCore
import SamespotStore
import Synchronization

extension Bench {
    /// Intake, matches, clusters and Open311 listings over HTTP against a real `samespot serve`,
    /// and, in the same run, the PostgreSQL references: pgbench's single-row INSERT (the commit
    /// ceiling), the whole intake as one PL/pgSQL function with PostGIS
    /// (sql/baseline/postgis_intake.sql), and each listing built as JSON by PostgreSQL alone.
    struct HTTP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "http",
            abstract: "POST /v1/requests throughput and latency at a fixed rate, /v1/matches, /v1/clusters and Open311 listings, beside PostgreSQL baselines. "
                + "Writes requests: use a database of its own (scripts/bench does).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var migrations: MigrationOptions
        @Option(help: "Connections the load generator keeps open") var connections = 32
        @Option(help: "Seconds each phase runs") var seconds = 20
        @Option(help: "Requests per second for the fixed-rate intake phase") var rate = 2_500.0
        @Option(help: "Requests per second for the matches phase") var matchRate = 500.0
        @Option(help: "pgbench clients for the PostgreSQL baselines") var pgbenchClients = 8
        @Option(help: ArgumentHelp("An argument for the served instance, repeatable, e.g. --serve-argument=--database-pooler=transaction "
                                   + "(scripts/scale-out measures a pooler and a replica this way)")) var serveArgument: [String] = []
        @Option(help: "The phases to run, comma-separated: intake, matches, clusters, listings (all by default; the baselines follow intake and matches)")
        var phases = "intake,matches,clusters,listings"
        @Flag(help: "Skip the pgbench baselines (they need PostGIS: apt-get install postgresql-15-postgis-3)") var skipBaselines = false

        func run() async throws {
            let logger = database.makeLogger("samespot.bench")
            let settings = try database.settings()
            let (intakeKey, publicKey, points, stored) = try await Database.withRunning(settings: settings, logger: logger) { db in
                let keys = APIKeyStore(database: db)
                let intake = try await keys.create(role: .intake, label: "bench").key
                let anyone = try await keys.create(role: .public, label: "bench").key
                var points: [BenchPoint] = []
                for try await (lon, lat, address) in try await db.client.query(
                    "SELECT longitude, latitude, full_address FROM address_points ORDER BY address_id", logger: db.logger
                ).decode((Double, Double, String).self) {
                    points.append(BenchPoint(longitude: lon, latitude: lat, address: address))
                }
                var stored = 0
                for try await count in try await db.client.query("SELECT count(*)::int8 FROM service_requests", logger: db.logger).decode(Int64.self) {
                    stored = Int(count)
                }
                return (intake, anyone, points, stored)
            }
            guard !points.isEmpty else { throw ValidationError("no address points: import the sample city first (scripts/bench does)") }
            let source = points
            report("server: samespot serve (release build: \(isReleaseBuild)), \(ProcessInfo.processInfo.activeProcessorCount) cores shared with PostgreSQL and the load generator")
            let server = try await BenchServer.start(database: settings, arguments: serveArgument)
            defer { server.stop() }
            let cpu = try await CPUShare.locate(server: server.process.processIdentifier, database: settings, logger: logger)
            if let loaded = try await server.casesInMemory(arguments: serveArgument) {
                report(String(format: "cases in memory: %d, loaded %.1f s after the server answered", loaded.cases, loaded.seconds))
            }
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            func plan(_ rate: Double?, _ seconds: Int) -> LoadGenerator.Plan {
                .init(host: "127.0.0.1", port: server.port, connections: connections, rate: rate, duration: .seconds(seconds))
            }
            // Half the reports come with a phone's point, half with a typed address to geocode.
            // One sequence across the phases, going on from the cases stored so far: each phase and
            // a second run on the same database report new spots, as a city's next day does. (Each
            // phase starting again at the first report made nearly every request of a repeated run
            // a merge into a spot grown dozens of children deep.)
            let sequence = Mutex(stored)
            let intake: @Sendable (Int) -> LoadGenerator.Request = { _ in
                let i = sequence.withLock { next in
                    defer { next += 1 }
                    return next
                }
                return .init(method: .POST, path: "/v1/requests", headers: [("Authorization", "Bearer \(intakeKey)"), ("Content-Type", "application/json")],
                             body: BenchPoint.intakeBody(source, i))
            }
            let asked = Set(phases.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            guard !asked.isEmpty, asked.isSubset(of: ["intake", "matches", "clusters", "listings"]) else {
                throw ValidationError("--phases \(phases): name intake, matches, clusters or listings")
            }
            var ceiling: LoadGenerator.Outcome?
            if asked.contains("intake") {
                _ = try await LoadGenerator.run(plan(nil, 3), group: group, request: intake)  // warm-up
                let before = cpu?.read()
                let measured = try await LoadGenerator.run(plan(nil, seconds), group: group, request: intake)
                report("POST /v1/requests, as fast as answered (\(connections) connections): \(measured.summary)")
                if let cpu, let before { report("  " + CPUShare.perRequest(from: before, to: cpu.read(), requests: measured.sent)) }
                ceiling = measured
                // At the asked rate, and at half of what this machine just sustained: latency with
                // headroom is what intake staff feel; past the ceiling, a queue builds.
                for r in [rate, (measured.throughput / 2).rounded()] {
                    let fixed = try await LoadGenerator.run(plan(r, seconds), group: group, request: intake)
                    report("POST /v1/requests at \(Int(r))/s: \(fixed.summary)")
                }
                // Overload: three times what was just sustained, over many connections, so more
                // requests arrive than the server admits at once (SAMESPOT_MAX_WRITES_IN_FLIGHT):
                // the rest are refused with 503 at once, and what is admitted keeps its latency.
                let overload = (measured.throughput * 3).rounded()
                let flood = try await LoadGenerator.run(
                    .init(host: "127.0.0.1", port: server.port, connections: 256, rate: overload, duration: .seconds(seconds)),
                    group: group, request: intake)
                report("POST /v1/requests at \(Int(overload))/s (3× the ceiling, 256 connections): \(flood.summary)")
            }

            var staffMatches: LoadGenerator.Outcome?
            if asked.contains("matches") {
                for (label, key, radius) in [("intake staff, 1000 m", intakeKey, 1_000), ("public, 250 m", publicKey, 250)] {
                    let matches = try await LoadGenerator.run(plan(matchRate, max(5, seconds / 2)), group: group) { i in
                        let p = source[(i &* 7_919) % source.count]
                        return .init(method: .GET, path: "/v1/matches?lat=\(p.latitude)&long=\(p.longitude)&radius=\(radius)", headers: [("Authorization", "Bearer \(key)")], body: nil)
                    }
                    report("GET /v1/matches (\(label)) at \(Int(matchRate))/s: \(matches.summary)")
                    if staffMatches == nil { staffMatches = matches }
                }
            }

            if asked.contains("clusters") {
                // Clusters of everything stored now (the sample city and the requests just posted).
                var times: [Double] = []
                var metadata = ""
                let clock = ContinuousClock()
                let planner = try await Database.withRunning(settings: settings, logger: logger) { db in
                    try await APIKeyStore(database: db).create(role: .planner, label: "bench").key
                }
                for _ in 0..<7 {
                    let start = clock.now
                    let (status, body) = try await BenchServer.fetch("/v1/clusters?eps=50&min_points=5&limit=500&include_duplicates=true",
                                                                      port: server.port, key: planner)
                    times.append((clock.now - start).seconds * 1_000)
                    guard status == 200 else { throw ValidationError("/v1/clusters answered \(status)") }
                    metadata = ClusterMetadata(body).summary
                }
                times.sort()
                report("GET /v1/clusters (eps 50 m, 5 points, every stored request): median \(String(format: "%.1f", times[3])) ms, best \(String(format: "%.1f", times[0])) ms over 7 calls; \(metadata)")
            }
            if asked.contains("listings") {
                try await ListingBench.run(database: settings, port: server.port, key: publicKey, logger: logger)
            }
            server.stop()
            try await group.shutdownGracefully()

            guard !skipBaselines else { return }
            if let ceiling {
                let baseline = try await PostgresBaseline.run(database: settings, sqlDirectory: try migrations.directory(), clients: pgbenchClients,
                                                              seconds: seconds, cpu: cpu.map { CPUShare(serverPID: nil, postmasterPID: $0.postmasterPID) },
                                                              logger: logger)
                report("pgbench single-row INSERT, \(pgbenchClients) clients: \(Int(baseline.insertTPS)) tps (the commit ceiling)")
                report("pgbench PL/pgSQL intake with PostGIS, \(pgbenchClients) clients, no HTTP: \(Int(baseline.intakeTPS)) tps")
                if let share = baseline.intakeCPU { report("  " + share) }
                report(String(format: "ratio Samespot POST over HTTP / PostGIS function: %.2f; / single-row INSERT: %.2f",
                             ceiling.throughput / baseline.intakeTPS, ceiling.throughput / baseline.insertTPS))
            }
            guard staffMatches != nil else { return }
            if ceiling == nil { try await PostgresBaseline.prepare(database: settings, sqlDirectory: try migrations.directory(), logger: logger) }
            // The same points as the matches phase asked, at its rate: the PostGIS query alone,
            // with no HTTP, no ranking and no JSON (the staff phase's radius and the default limit).
            let nearest = try PostgresBaseline.pgbenchLatencies(settings, clients: pgbenchClients, rate: matchRate,
                                                                seconds: max(5, seconds / 2), script: """
                \\set i random(1, 40000)
                SELECT c.service_request_id, c.service_code, c.status, c.address, ST_Distance(c.geom, p.metric)
                FROM baseline_points b
                CROSS JOIN LATERAL (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(b.lon, b.lat), 4326), 26971) AS metric) p
                CROSS JOIN LATERAL (SELECT * FROM baseline_open_cases c WHERE ST_DWithin(c.geom, p.metric, 1000)
                                    ORDER BY c.geom <-> p.metric LIMIT 20) c
                WHERE b.id = :i;
                """)
            report("pgbench PostGIS nearest open cases within 1000 m at \(Int(matchRate))/s, no HTTP: \(nearest.summary)")
            report(String(format: "ratio PostGIS p99 / Samespot matches (intake staff) p99: %.2f", nearest.percentile(0.99) / (staffMatches?.percentile(0.99) ?? .nan)))
        }
    }
}

#if DEBUG
let isReleaseBuild = false
#else
let isReleaseBuild = true
#endif

/// A real address point to report at.
struct BenchPoint: Sendable {
    var longitude: Double
    var latitude: Double
    var address: String

    static let codes = ["SGA", "GRAF", "SFD", "SKA", "PHF", "SCB", "SIE", "SFB"]

    /// Request i of the benchmark, the same in every run: even ones a point within about 30 m of
    /// an address point, odd ones the address typed in lower case.
    static func intakeBody(_ points: [BenchPoint], _ i: Int) -> String {
        let p = points[(i &* 104_729) % points.count]
        let code = codes[i % codes.count]
        if i % 2 == 0 {
            let jitter = Double((i &* 2_654_435_761) % 1_000) / 1_000 - 0.5
            return #"{"service_code": "\#(code)", "lat": \#(p.latitude + jitter * 0.0005), "long": \#(p.longitude - jitter * 0.0005), "description": "benchmark"}"#
        }
        return #"{"service_code": "\#(code)", "address": "\#(p.address.lowercased())", "description": "benchmark"}"#
    }
}

/// The few figures of a clusters answer's `metadata` that the benchmark prints.
struct ClusterMetadata {
    var summary: String
    init(_ body: ByteBuffer) {
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
        let m = json?["metadata"] as? [String: Any] ?? [:]
        summary = "points \(m["points"] ?? "?"), clusters \(m["clusters"] ?? "?"), server load \(m["load_ms"] ?? "?") ms + DBSCAN \(m["cluster_ms"] ?? "?") ms"
    }
}

/// pgbench against the references in sql/baseline/postgis_intake.sql.
enum PostgresBaseline {
    struct Result {
        var insertTPS: Double
        var intakeTPS: Double
        /// The intake function's CPU per transaction (PostgreSQL, pgbench), when it could be read.
        var intakeCPU: String?
    }

    /// Makes the baselines' tables and function afresh from the stored cases.
    static func prepare(database: DatabaseSettings, sqlDirectory: String, logger: Logger) async throws {
        let script = try String(contentsOfFile: sqlDirectory + "/baseline/postgis_intake.sql", encoding: .utf8)
        try await Database.withRunning(settings: database, logger: logger) { db in
            for statement in SQLScript.statements(script) {
                try await db.client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    static func run(database: DatabaseSettings, sqlDirectory: String, clients: Int, seconds: Int, cpu: CPUShare?,
                    logger: Logger) async throws -> Result {
        try await prepare(database: database, sqlDirectory: sqlDirectory, logger: logger)
        let insert = try pgbench(database, clients: clients, seconds: seconds, script: "INSERT INTO baseline_inserts (v) VALUES (1);")
        let before = cpu?.read()
        let intake = try pgbench(database, clients: clients, seconds: seconds, script: """
            \\set i random(1, 40000)
            SELECT baseline_intake(code, lon, lat) FROM baseline_points WHERE id = :i;
            """)
        // pgbench prints a rate, not a count: the transactions are its tps over the run's seconds.
        let share = cpu.flatMap { cpu in
            before.map { CPUShare.perRequest(from: $0, to: cpu.read(), requests: Int(intake * Double(seconds))) }
        }
        return Result(insertTPS: insert, intakeTPS: intake, intakeCPU: share)
    }

    /// Runs pgbench with a custom script as fast as it goes; its "tps = …" figure.
    static func pgbench(_ database: DatabaseSettings, clients: Int, seconds: Int, script: String) throws -> Double {
        let text = try runPgbench(database, clients: clients, seconds: seconds, script: script, extra: [])
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
              let value = Double(line.dropFirst(6).prefix { $0 == "." || $0.isNumber }) else {
            throw ValidationError("pgbench printed no tps:\n\(text.suffix(600))")
        }
        return value
    }

    /// Runs pgbench at a fixed rate and reads each transaction's latency from its per-transaction
    /// log. With a rate, pgbench measures from when a transaction was due, as the load generator
    /// does, so the two sets of percentiles compare.
    static func pgbenchLatencies(_ database: DatabaseSettings, clients: Int, rate: Double, seconds: Int, script: String) throws -> LoadGenerator.Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("samespot-pgbench-log-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try runPgbench(database, clients: clients, seconds: seconds, script: script,
                           extra: ["-R", String(rate), "-l", "--log-prefix", directory.appendingPathComponent("tx").path])
        var latencies: [Double] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let log = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            // client, transaction, latency in µs, script, epoch seconds, µs, schedule lag.
            for line in log.split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count > 2, let micros = Double(fields[2]) { latencies.append(micros / 1_000) }
            }
        }
        guard !latencies.isEmpty else { throw ValidationError("pgbench logged no transactions") }
        latencies.sort()
        return LoadGenerator.Outcome(sent: latencies.count, succeeded: latencies.count, failures: [:], seconds: Double(seconds),
                                     latencies: latencies, admitted: [])
    }

    private static func runPgbench(_ database: DatabaseSettings, clients: Int, seconds: Int, script: String, extra: [String]) throws -> String {
        // pgbench reaches PostgreSQL the way the server does: the same host and port, or the same socket.
        let (host, port) = database.libpqHostAndPort
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("samespot-pgbench-\(getpid()).sql")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        // pgbench ends a -T run on SIGALRM, which this process's threads have blocked.
        let process = unmaskedProcess(["/usr/lib/postgresql/15/bin/pgbench", "-n", "-c", String(clients), "-j", String(min(clients, 2)),
                                       "-T", String(seconds), "-f", file.path] + extra
                                      + ["-h", host, "-p", String(port), "-U", database.username, database.database])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
