import ArgumentParser
import Foundation
import PostgresNIO
import SamespotCore
import SamespotStore

extension Bench {
    /// Retention at a big city's scale: N finished cases (families of parents and merged
    /// reports, with their status history, their ward in every stored set and their merge
    /// decisions) are purged by `RetentionStore`, archive included, and the same rows again by a
    /// plain `DELETE` left to PostgreSQL's cascades, in the same run.
    struct Purging: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "purge",
            abstract: "Seconds to purge N finished cases: Samespot's set-based purge (with its archive) vs a plain cascading DELETE. "
                + "The cases are dated 1990, before any real data; use a database of its own all the same.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var city: CityOptions
        @Option(help: "Cases to store and purge") var requests = 1_000_000

        func run() async throws {
            let logger = database.makeLogger("samespot.bench")
            let n = requests, zone = city.timeZone
            try await Database.withRunning(settings: try database.settings(), logger: logger) { db in
                try await db.ping()
                let clock = ContinuousClock()
                let archivePath = FileManager.default.temporaryDirectory.appendingPathComponent("samespot-bench-purge-\(getpid()).csv").path
                defer { try? FileManager.default.removeItem(atPath: archivePath) }

                var seconds = try await clock.measure { try await Self.store(n, db: db) }
                print("stored \(n) finished cases, with their history, wards and merges: \(Self.format(seconds))")
                let archive = try CSVFileWriter(path: archivePath)
                var summary: RetentionStore.Summary?
                seconds = try await clock.measure {
                    summary = try await RetentionStore(database: db, timeZone: zone)
                        .purge(finishedBefore: CivilDate(year: 1991, month: 1, day: 1), archive: archive)
                }
                let purge = seconds
                let bytes = (try? FileManager.default.attributesOfItem(atPath: archivePath)[.size] as? Int) ?? 0
                print("samespot purge (archive \(bytes / 1_000_000) MB): \(summary.map(String.init(describing:)) ?? "") in \(Self.format(purge)), "
                      + "\(Int(Double(n) / (purge / .seconds(1)))) cases/s")

                _ = try await clock.measure { try await Self.store(n, db: db) }
                seconds = try await clock.measure {
                    try await db.client.query("DELETE FROM service_requests WHERE service_code = 'BENCHP' AND source = 'bench'", logger: logger)
                }
                print("plain DELETE with cascades, no archive: \(Self.format(seconds)); samespot's purge took "
                      + String(format: "%.2f×", (purge / .seconds(1)) / (seconds / .seconds(1))) + " its time")
            }
        }

        static func format(_ d: Duration) -> String { String(format: "%.1f s", d / .seconds(1)) }

        /// N finished cases of a type of their own, in 1990: every fifth a merged report of the
        /// one before; two status steps each, a ward in every stored set, a decision per merge.
        static func store(_ n: Int, db: Database) async throws {
            let logger = db.logger
            try await db.transaction { tx in
                // What an interrupted run left.
                try await tx.query("DELETE FROM service_requests WHERE service_code = 'BENCHP' AND source = 'bench'", logger: logger)
                try await tx.query("""
                    INSERT INTO service_types (service_code, service_name) VALUES ('BENCHP', 'Benchmark purge') ON CONFLICT DO NOTHING
                    """, logger: logger)
                try await tx.query("""
                    CREATE TEMP TABLE bench_new ON COMMIT DROP AS
                    WITH inserted AS (
                        INSERT INTO service_requests (service_request_id, service_code, status, requested_at, updated_at, closed_at,
                                                      longitude, latitude, location_precision, x_m, y_m, source, city_ward)
                        SELECT 'BENCHP-' || g, 'BENCHP', 'closed', t, t + interval '2 days', t + interval '2 days',
                               -87.7 + (g % 1000) * 0.0002, 41.8 + (g / 1000 % 1000) * 0.0002, 'caller',
                               350000 + (g % 1000) * 16.6, 570000 + (g / 1000 % 1000) * 22.2, 'bench', ''
                        FROM generate_series(1, \(n)) g, LATERAL (SELECT timestamptz '1990-01-01 12:00' + (g % 300) * interval '1 day' AS t) d
                        RETURNING request_id, requested_at
                    ) SELECT * FROM inserted
                    """, logger: logger)
                try await tx.query("ANALYZE bench_new", logger: logger)
                try await tx.query("""
                    UPDATE service_requests r SET parent_request_id = r.request_id - 1
                    FROM bench_new b WHERE r.request_id = b.request_id AND b.request_id % 5 = 0
                      AND EXISTS (SELECT 1 FROM bench_new p WHERE p.request_id = b.request_id - 1)
                    """, logger: logger)
                try await tx.query("""
                    INSERT INTO status_history (request_id, status, city_status, changed_at, actor, note)
                    SELECT b.request_id, s.status, '', b.requested_at + s.after, 'bench', ''
                    FROM bench_new b CROSS JOIN (VALUES ('open', interval '0'), ('closed', interval '2 days')) s(status, after)
                    """, logger: logger)
                try await tx.query("""
                    INSERT INTO request_wards (request_id, ward_set_id, ward)
                    SELECT b.request_id, s.ward_set_id, '1' FROM bench_new b CROSS JOIN ward_sets s
                    """, logger: logger)
                try await tx.query("""
                    INSERT INTO dedup_decisions (request_id, parent_request_id, distance_m, age_seconds, same_address, same_block, score,
                                                 rule, kind, decided_by, decided_at)
                    SELECT r.request_id, r.parent_request_id, 0, 0, true, true, 1, '{}'::jsonb, 'engine', 'bench', r.requested_at
                    FROM bench_new b JOIN service_requests r USING (request_id) WHERE r.parent_request_id IS NOT NULL
                    """, logger: logger)
            }
        }
    }
}
