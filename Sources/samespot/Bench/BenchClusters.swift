import ArgumentParser
import Foundation
import PostgresNIO
import SamespotCore
import SamespotGeo
import SamespotService
import SamespotStore

extension Bench {
    /// Hotspot clustering of N synthetic requests drawn around the city's real address points:
    /// in-process (DBSCAN, hulls, summaries), PostGIS ST_ClusterDBSCAN on the same points, and
    /// `GET /v1/clusters` end to end once they are stored as requests.
    struct Clusters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "DBSCAN hotspots of N synthetic points: in-process vs PostGIS ST_ClusterDBSCAN, and GET /v1/clusters over HTTP. "
                + "Stores (then deletes) N requests: use a database of its own.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var city: CityOptions
        @Option(help: "Synthetic points") var points = 1_000_000
        @Option(help: "DBSCAN radius, metres") var eps = 50.0
        @Option(help: "DBSCAN minimum points") var minPoints = 20
        @Flag(help: "Skip PostGIS (it needs apt-get install postgresql-15-postgis-3)") var skipPostgis = false
        @Flag(help: "Skip storing the points and calling the HTTP endpoint") var skipHTTP = false

        func run() async throws {
            let logger = database.makeLogger("samespot.bench")
            let settings = try database.settings()
            let count = points, eps = self.eps, minPoints = self.minPoints
            let projections = try city.projections()
            let clock = ContinuousClock()
            let generated = try await Database.withRunning(settings: settings, logger: logger) { db in
                var addresses: [(Double, Double)] = []
                for try await (lon, lat) in try await db.client.query("SELECT longitude, latitude FROM address_points", logger: logger)
                    .decode((Double, Double).self) { addresses.append((lon, lat)) }
                guard !addresses.isEmpty else { throw ValidationError("no address points: import the sample city first") }
                return try Self.synthetic(count, around: addresses, projections: projections)
            }
            report("\(generated.count) points drawn within ±50 m of the city's address points; eps \(eps) m, min points \(minPoints)")

            // In-process: five rounds, median and best (the machine is noisy).
            var rounds: [Double] = []
            var map: HotspotMap?
            for _ in 0..<5 {
                let start = clock.now
                map = try projections.withProjection { ClusterService.hotspots(generated, eps: eps, minPoints: minPoints, limit: 500, projection: $0) }
                rounds.append((clock.now - start).seconds)
            }
            rounds.sort()
            let inProcess = rounds[2]
            // DBSCAN alone (labels only, as ST_ClusterDBSCAN gives), for the like-for-like ratio.
            var labelRounds: [Double] = []
            for _ in 0..<5 {
                let start = clock.now
                _ = DBSCAN.cluster(x: generated.x, y: generated.y, eps: eps, minPoints: minPoints)
                labelRounds.append((clock.now - start).seconds)
            }
            labelRounds.sort()
            let labelsOnly = labelRounds[2]
            report(String(format: "in-process DBSCAN labels alone, 1 core: median %.3f s, best %.3f s", labelsOnly, labelRounds[0]))
            report(String(format: "in-process (DBSCAN on the grid, hulls and summaries of the 500 largest), 1 core: median %.3f s, best %.3f s; %d clusters, %d noise",
                         inProcess, rounds[0], map?.clusterCount ?? 0, map?.noise ?? 0))

            if !skipPostgis {
                do {
                    let postgis = try await Database.withRunning(settings: settings, logger: logger) { db in
                        try await Self.postgis(generated, eps: eps, minPoints: minPoints, db: db)
                    }
                    report(String(format: "PostGIS ST_ClusterDBSCAN on the same points (labels only): %.3f s, %d clusters; in-process DBSCAN is %.1f× faster (%.1f× with hulls and summaries)",
                                 postgis.seconds, postgis.clusters, postgis.seconds / labelsOnly, postgis.seconds / inProcess))
                } catch {
                    report("PostGIS comparison skipped: \(String(reflecting: error).prefix(200)) (apt-get install postgresql-15-postgis-3)")
                }
            }

            guard !skipHTTP else { return }
            let stored = try await Database.withRunning(settings: settings, logger: logger) { db in
                try await Self.store(generated, projections: projections, db: db)
            }
            let planner = try await Database.withRunning(settings: settings, logger: logger) { db in
                try await APIKeyStore(database: db).create(role: .planner, label: "bench").key
            }
            // Stored rows go before the server starts; a failure after this line leaves them for the
            // next run to delete (store() starts by deleting them).
            let server = try await BenchServer.start(database: settings)
            defer { server.stop() }
            var times: [Double] = []
            var metadata = ""
            for _ in 0..<5 {
                let start = clock.now
                let (status, body) = try await BenchServer.fetch(
                    "/v1/clusters?eps=\(eps)&min_points=\(minPoints)&limit=500&service_code=BENCH&include_duplicates=true", port: server.port, key: planner)
                times.append((clock.now - start).seconds)
                guard status == 200 else { throw ValidationError("/v1/clusters answered \(status)") }
                metadata = ClusterMetadata(body).summary
            }
            times.sort()
            report(String(format: "GET /v1/clusters over %d stored requests, end to end: median %.3f s, best %.3f s; ", stored, times[2], times[0]) + metadata)
            server.stop()
            try await Database.withRunning(settings: settings, logger: logger) { db in try await Self.unstore(db) }
        }

        /// N points: each near an address point (uniform within ±50 m), a reproducible sequence.
        static func synthetic(_ n: Int, around addresses: [(Double, Double)], projections: ProjectionPool) throws -> ClusterPoints {
            var points = ClusterPoints()
            points.codes = ["BENCH"]
            var rng = SplitMix64(seed: 0x5EED)
            func unit() -> Double { Double.random(in: 0..<1, using: &rng) }
            try projections.withProjection { projection in
                for i in 0..<n {
                    let (lon0, lat0) = addresses[i % addresses.count]
                    let lon = lon0 + (unit() - 0.5) * 0.0012, lat = lat0 + (unit() - 0.5) * 0.0009
                    guard let m = projection.forwardMetres(longitude: lon, latitude: lat) else { continue }
                    points.x.append(m.x); points.y.append(m.y)
                    points.code.append(0); points.reports.append(1)
                }
            }
            return points
        }

        static func postgis(_ p: ClusterPoints, eps: Double, minPoints: Int, db: Database) async throws -> (seconds: Double, clusters: Int) {
            let logger = db.logger
            try await db.client.query("CREATE EXTENSION IF NOT EXISTS postgis", logger: logger)
            try await db.client.query("DROP TABLE IF EXISTS bench_points", logger: logger)
            try await db.client.query("CREATE TABLE bench_points (x float8, y float8)", logger: logger)
            let rows = zip(p.x, p.y).map { [String($0.0), String($0.1)] as [String?] }
            try await db.client.withConnection { connection in
                try await CopyWriter.copy(rows, into: "bench_points", columns: ["x", "y"], on: connection, logger: logger) { _ in }
            }
            try await db.client.query("ALTER TABLE bench_points ADD COLUMN geom geometry", logger: logger)
            try await db.client.query("UPDATE bench_points SET geom = ST_MakePoint(x, y)", logger: logger)
            try await db.client.query("VACUUM ANALYZE bench_points", logger: logger)
            let clock = ContinuousClock()
            let start = clock.now
            var clusters = 0
            for try await n in try await db.client.query("""
                SELECT count(DISTINCT cid)::int FROM (SELECT ST_ClusterDBSCAN(geom, eps => \(eps)::float8, minpoints => \(minPoints)::int) OVER () AS cid FROM bench_points) c
                """, logger: logger).decode(Int.self) { clusters = n }
            let seconds = (clock.now - start).seconds
            try await db.client.query("DROP TABLE bench_points", logger: logger)
            return (seconds, clusters)
        }

        /// Stores the points as open requests of a type of their own (BENCH), with COPY.
        static func store(_ p: ClusterPoints, projections: ProjectionPool, db: Database) async throws -> Int {
            let logger = db.logger
            try await unstore(db)
            try await db.client.query("""
                INSERT INTO service_types (service_code, service_name) VALUES ('BENCH', 'Benchmark points') ON CONFLICT DO NOTHING
                """, logger: logger)
            let rows: [[String?]] = try projections.withProjection { projection in
                p.x.indices.map { i in
                    let degrees = projection.inverseMetres(x: p.x[i], y: p.y[i])
                    return ["BENCH-\(i)", "BENCH", degrees.map { String($0.longitude) }, degrees.map { String($0.latitude) }, String(p.x[i]), String(p.y[i])]
                }
            }
            try await db.client.withTransaction(logger: logger) { connection in
                try await connection.query("""
                    CREATE TEMP TABLE bench_rows (service_request_id text, service_code text, longitude float8, latitude float8, x_m float8, y_m float8)
                    ON COMMIT DROP
                    """, logger: logger)
                try await CopyWriter.copy(rows, into: "bench_rows", columns: ["service_request_id", "service_code", "longitude", "latitude", "x_m", "y_m"],
                                          on: connection, logger: logger) { _ in }
                try await connection.query("""
                    INSERT INTO service_requests (service_request_id, service_code, requested_at, updated_at, longitude, latitude,
                                                  location_precision, x_m, y_m, source)
                    SELECT service_request_id, service_code, now(), now(), longitude, latitude, 'caller', x_m, y_m, 'bench'
                    FROM bench_rows
                    """, logger: logger)
            }
            return rows.count
        }

        static func unstore(_ db: Database) async throws {
            try await db.client.query("DELETE FROM service_requests WHERE service_code = 'BENCH' AND source = 'bench'", logger: db.logger)
        }
    }
}
