import ArgumentParser
import Foundation
import PostgresNIO
import SamespotCore
import SamespotStore

/// Open311 `requests.json` listings as a client polls them, one call at a time on a kept-alive
/// connection, beside the same listing built as JSON by PostgreSQL alone (one statement, no
/// HTTP, on a pooled connection: both sides on an open connection): the default 90 days,
/// the open requests, one and two types over the busiest year, one ward's year, the last
/// quarter, and one request by its number.
///
/// The filters are picked from the database at hand (its busiest year, its commonest types, its
/// busiest ward in the ward set in use), so the phase runs on the sample city and on a
/// generated city-year alike.
enum ListingBench {
    struct Listing {
        var label: String
        /// The Open311 path and query.
        var path: String
        /// The same listing's rows as PostgreSQL would pick them: a WHERE clause over
        /// `service_requests r` and the ward row `w` of the set in use.
        var condition: String
        var limit = 1_000
    }

    /// Calls of each listing; the median and the slowest are printed.
    static let calls = 15

    static func run(database settings: DatabaseSettings, port: Int, key: String, logger: Logger) async throws {
        // One pool for the picks and every plain-SQL timing; the HTTP calls go to the server.
        try await Database.withRunning(settings: settings, logger: logger) { db in
            let wardSetID = try await WardSetStore(database: db).set(named: nil).id
            // One connection for every call, as PostgreSQL's side reuses its pooled one. (Before
            // 2026-12-07 each call opened a connection of its own: about half a millisecond more
            // a call, most of what `requests/{id}` took.)
            let connection = try await HTTPConnection.connect(host: "127.0.0.1", port: port, group: .singleton)
            defer { Task { try? await connection.close() } }
            for listing in try await pick(db, wardSetID: wardSetID) {
                var times: [Double] = []
                var bytes = 0, count = 0
                let clock = ContinuousClock()
                for _ in 0..<calls {
                    let start = clock.now
                    let (status, body) = try await BenchServer.get(listing.path, key: key, on: connection)
                    times.append((clock.now - start).seconds * 1_000)
                    guard status == 200 else { throw ValidationError("\(listing.path) answered \(status)") }
                    bytes = body.readableBytes
                    count = ((try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [Any])?.count ?? -1
                }
                let sql = try await timePlainSQL(listing, wardSetID: wardSetID, db: db)
                report(String(format: "GET %@ (%@): %d requests, %d KB; median %.1f ms, max %.1f ms over %d calls; "
                              + "PostgreSQL alone, the same rows as JSON: median %.1f ms (%d KB); ratio PostgreSQL / Samespot %.2f (above 1: Samespot faster)",
                              listing.path, listing.label, count, bytes / 1_024, median(times), times.max() ?? .nan, calls,
                              median(sql.times), sql.bytes / 1_024, median(sql.times) / median(times)))
            }
        }
    }

    /// The listings to measure, with filters that find rows in this database.
    static func pick(_ db: Database, wardSetID setID: Int) async throws -> [Listing] {
        let client = db.client, logger = db.logger
        var year = Calendar.current.component(.year, from: Date())
        for try await (busiest) in try await client.query("""
            SELECT extract(year FROM requested_at)::int FROM service_requests GROUP BY 1 ORDER BY count(*) DESC LIMIT 1
            """, logger: logger).decode(Int.self) { year = busiest }
        let from = "\(year)-01-01", to = "\(year)-12-31", quarter = "\(year)-10-01"
        var codes: [String] = []
        for try await code in try await client.query("""
            SELECT service_code FROM service_requests
            WHERE requested_at >= \(from)::date AND requested_at < \(to)::date + 1
            GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2
            """, logger: logger).decode(String.self) { codes.append(code) }
        guard codes.count == 2 else { throw ValidationError("the listings phase needs requests of two types in \(year)") }
        var ward = ""
        for try await busiest in try await client.query("""
            SELECT w.ward FROM request_wards w JOIN service_requests r USING (request_id)
            WHERE w.ward_set_id = \(setID) AND w.ward IS NOT NULL
              AND r.requested_at >= \(from)::date AND r.requested_at < \(to)::date + 1
            GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1
            """, logger: logger).decode(String.self) { ward = busiest }
        var number = ""
        for try await id in try await client.query(
            "SELECT service_request_id FROM service_requests ORDER BY request_id DESC LIMIT 1", logger: logger
        ).decode(String.self) { number = id }

        let open = CaseStatus.openStatuses.map { "'\($0.rawValue)'" }.joined(separator: ",")
        let inYear = "r.requested_at >= '\(from)'::date AND r.requested_at < '\(to)'::date + 1"
        let span = "start_date=\(from)&end_date=\(to)"
        let wardParameter = ward.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ward
        return [
            Listing(label: "the default: 90 days", path: "/open311/v2/requests.json",
                    condition: "r.requested_at >= now() - interval '90 days'"),
            Listing(label: "every open request", path: "/open311/v2/requests.json?status=open&\(span)",
                    condition: "r.status IN (\(open)) AND \(inYear)"),
            Listing(label: "one type's year", path: "/open311/v2/requests.json?service_code=\(codes[0])&\(span)",
                    condition: "r.service_code = \(literal(codes[0])) AND \(inYear)"),
            Listing(label: "two types' year", path: "/open311/v2/requests.json?service_code=\(codes[0]),\(codes[1])&\(span)",
                    condition: "r.service_code IN (\(literal(codes[0])), \(literal(codes[1]))) AND \(inYear)"),
            Listing(label: "ward \(ward)'s year", path: "/open311/v2/requests.json?ward=\(wardParameter)&\(span)",
                    condition: "w.ward = \(literal(ward)) AND \(inYear)"),
            Listing(label: "the last quarter", path: "/open311/v2/requests.json?start_date=\(quarter)&end_date=\(to)",
                    condition: "r.requested_at >= '\(quarter)'::date AND r.requested_at < '\(to)'::date + 1"),
            Listing(label: "one request", path: "/open311/v2/requests/\(number).json",
                    condition: "r.service_request_id = \(literal(number))", limit: 1),
        ]
    }

    /// The listing as a GIS team would write it: PostgreSQL picks the newest rows and builds the
    /// JSON array itself. The values are this benchmark's own picks from the database, not input.
    static func timePlainSQL(_ listing: Listing, wardSetID: Int, db: Database) async throws -> (times: [Double], bytes: Int) {
        let sql = """
            SELECT coalesce(json_agg(j), '[]')::text FROM (
              SELECT r.service_request_id, r.status, r.status_notes, t.service_name, r.service_code, r.description,
                     r.requested_at AS requested_datetime, r.updated_at AS updated_datetime, r.address,
                     r.latitude AS lat, r.longitude AS long, w.ward
              FROM service_requests r JOIN service_types t USING (service_code)
              LEFT JOIN request_wards w ON w.request_id = r.request_id AND w.ward_set_id = \(wardSetID)
              WHERE \(listing.condition)
              ORDER BY r.requested_at DESC LIMIT \(listing.limit)) j
            """
        var times: [Double] = []
        var bytes = 0
        let clock = ContinuousClock()
        for _ in 0..<calls {
            let start = clock.now
            for try await text in try await db.client.query(PostgresQuery(unsafeSQL: sql), logger: db.logger).decode(String.self) {
                bytes = text.utf8.count
            }
            times.append((clock.now - start).seconds * 1_000)
        }
        return (times, bytes)
    }

    /// A value as an SQL string literal.
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }
}
