import Foundation
import PostgresNIO
import SamespotStore
import SamespotTestSupport
import Testing

@Suite struct WardTests {
    static func count(_ db: Database, _ sql: String) async throws -> Int {
        for try await n in try await db.client.query(PostgresQuery(unsafeSQL: sql), logger: db.logger).decode(Int.self) { return n }
        return -1
    }

    /// Every ward's figures add up to the city's, and each agrees with the database, under an
    /// older map too (an election year compares maps).
    @Test func summariesAddUpAndAgreeWithTheDatabase() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let period = "ward_set=chicago-2015&from=2021-01-01&to=2021-01-01"
            let all = try await HTTP.get("/v1/wards/summary?\(period)", port: port, key: TestKeys.planner)
            #expect(all.status == 200)
            #expect(all.json["ward_set"] as? String == "chicago-2015")
            let wards = try #require(all.json["wards"] as? [[String: Any]])
            let city = try #require(all.json["city"] as? [String: Any])
            #expect(wards.count == 50)
            #expect(wards.map { $0["group"] as? String } == (1...50).map { String($0) })
            let opened = wards.compactMap { $0["opened"] as? Int }
            #expect(opened.reduce(0, +) == city["opened"] as? Int)
            #expect(city["opened"] as? Int == (try await Self.count(db, """
                SELECT count(*)::int FROM request_wards w JOIN ward_sets s USING (ward_set_id)
                WHERE s.name = 'chicago-2015' AND w.ward IS NOT NULL
                """)))
            let ward15 = try #require(wards.first { $0["group"] as? String == "15" })
            #expect(ward15["opened"] as? Int == (try await Self.count(db, """
                SELECT count(*)::int FROM request_wards w JOIN ward_sets s USING (ward_set_id) WHERE s.name = 'chicago-2015' AND w.ward = '15'
                """)))
            // Received on a holiday Friday: closed by the file's own dates, so the figures are the city's.
            #expect((city["closed"] as? Int ?? 0) > 0 && city["median_days_to_close"] is Double)
            #expect((city["sla_tracked"] as? Int) == (city["opened_cases"] as? Int))

            let one = try await HTTP.get("/v1/wards/15/summary?\(period)", port: port, key: TestKeys.wardOffice)
            #expect(one.status == 200)
            let totals = try #require(one.json["totals"] as? [String: Any])
            #expect(totals["opened"] as? Int == ward15["opened"] as? Int)
            let byType = try #require(one.json["by_type"] as? [[String: Any]])
            #expect(byType.compactMap { ($0["metrics"] as? [String: Any])?["opened"] as? Int }.reduce(0, +) == totals["opened"] as? Int)
            #expect(byType.allSatisfy { !($0["service_name"] as? String ?? "").isEmpty })
            #expect(one.json["hotspots"] is [Any])

            let csv = try await HTTP.get("/v1/wards/summary.csv?\(period)", port: port, key: TestKeys.planner)
            #expect(csv.header("Content-Type")?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n")
            #expect(lines.first?.hasPrefix("ward,opened,opened_cases,closed,median_days_to_close") == true)
            #expect(lines.count == 1 + 50 + 1 && lines.last?.hasPrefix("city,") == true)
            let typeCSV = try await HTTP.get("/v1/wards/15/summary.csv?\(period)", port: port, key: TestKeys.planner)
            #expect(typeCSV.text.split(separator: "\r\n").last?.hasPrefix("total,,\(totals["opened"] as? Int ?? -1),") == true)

            for (path, key, status) in [
                ("/v1/wards/99/summary?\(period)", TestKeys.planner, 404),
                ("/v1/wards/summary?ward_set=chicago-1900", TestKeys.planner, 404),
                ("/v1/wards/summary?from=2021-02-01&to=2021-01-01", TestKeys.planner, 400),
                ("/v1/wards/summary?from=someday", TestKeys.planner, 400),
                ("/v1/wards/summary", TestKeys.intake, 403),
                ("/v1/wards/summary", TestKeys.public, 403),
                ("/v1/wards/summary", nil, 401),
            ] as [(String, String?, Int)] {
                let reply = try await HTTP.get(path, port: port, key: key)
                #expect(reply.status == status, "\(path)")
                #expect(reply.errorMessage != nil)
            }
        }
    }

    /// Joins at intake count as deflected duplicates; the ward's office, and only it (and
    /// admins), lists its requests with the requesters' names and what was done.
    /// Once the server holds the cases in memory, summaries and maps are counted there, and a
    /// request taken a moment before is in them: the server reads the feed of changes first.
    @Test func casesInMemoryCountARequestAtOnce() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let loaded = try await TestServer.casesInMemory(port: port)
            #expect(try #require(loaded) == (try await Self.count(db, "SELECT count(*)::int FROM service_requests")))
            let period = "from=2000-01-01&to=2030-12-31"
            func opened() async throws -> Int? {
                let reply = try await HTTP.get("/v1/wards/summary?\(period)", port: port, key: TestKeys.planner)
                return (reply.json["city"] as? [String: Any])?["opened"] as? Int
            }
            func points() async throws -> Int? {
                try await HTTP.get("/v1/clusters?eps=50&min_points=3&include_duplicates=true", port: port, key: TestKeys.planner)
                    .json["metadata"].flatMap { ($0 as? [String: Any])?["points"] as? Int }
            }
            let before = try #require(try await opened()), pointsBefore = try #require(try await points())
            var code = ""
            for try await c in try await db.client.query(
                "SELECT min(service_code) FROM service_types WHERE about_a_spot AND active", logger: db.logger).decode(String.self) { code = c }
            let posted = try await HTTP.send("POST", "/v1/requests", port: port,
                                             body: #"{"service_code": "\#(code)", "lat": 41.8820, "long": -87.6278}"#)
            #expect(posted.status == 201)
            #expect(try await opened() == before + 1)
            #expect(try await points() == pointsBefore + 1)
            // And what PostgreSQL counts for the same period.
            let counted = try await WardReportStore(database: db).metrics(
                setID: try await Self.count(db, "SELECT max(ward_set_id)::int FROM ward_sets"), wards: nil,
                from: try #require(ISO8601DateFormatter().date(from: "2000-01-01T06:00:00Z")),
                to: try #require(ISO8601DateFormatter().date(from: "2031-01-01T06:00:00Z")), groupBy: .ward)
            #expect(counted.last?.opened == before + 1)
        }
    }

    @Test func joinsAreCountedAndOfficesSeeTheirOwnWardsRequesters() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            func post(_ json: String) async throws -> Reply {
                try await HTTP.send("POST", "/v1/requests", port: port, body: json, key: TestKeys.intake)
            }
            let first = try await post(#"{"service_code": "SGA", "address": "4853 S Wood St", "first_name": "Ann", "last_name": "Lee", "phone": "312-555-0101"}"#)
            let parent = try #require(first.json["service_request_id"] as? String)
            let repeatReport = try await post(#"{"service_code": "SGA", "address": "4853 S Wood St"}"#)
            #expect(repeatReport.json["parent_service_request_id"] as? String == parent)
            let joined = try await HTTP.send("POST", "/v1/cases/\(parent)/join", port: port,
                                             body: #"{"first_name": "Bo", "email": "bo@example.org", "description": "same rats"}"#, key: TestKeys.intake)
            #expect(joined.status == 201)
            #expect(joined.json["parent_service_request_id"] as? String == parent)
            #expect(try await HTTP.send("POST", "/v1/cases/\(parent)/notes", port: port, body: #"{"note": "crew sent", "public": true}"#,
                                        key: TestKeys.intake).status == 201)

            let summary = try await HTTP.get("/v1/wards/15/summary", port: port, key: TestKeys.wardOffice)
            let totals = try #require(summary.json["totals"] as? [String: Any])
            #expect(totals["opened"] as? Int == 3)
            #expect(totals["opened_cases"] as? Int == 1)
            #expect(totals["duplicates"] as? Int == 2)
            #expect(totals["joins"] as? Int == 1)
            #expect(abs((totals["duplicate_rate"] as? Double ?? 0) - 2.0 / 3.0) < 1e-9)
            #expect(totals["backlog"] as? Int == 1)
            #expect(totals["sla_tracked"] as? Int == 1 && totals["acknowledge_breaches"] as? Int == 0)

            let list = try await HTTP.get("/v1/wards/15/requests", port: port, key: TestKeys.wardOffice)
            #expect(list.status == 200)
            let requests = try #require(list.json["requests"] as? [[String: Any]])
            #expect(requests.count == 3)
            let names = requests.compactMap { ($0["requester"] as? [String: Any])?["first_name"] as? String }
            #expect(Set(names) == ["Ann", "Bo"])
            let parentEntry = try #require(requests.first { $0["service_request_id"] as? String == parent })
            let actions = try #require(parentEntry["actions"] as? [[String: Any]])
            #expect(actions.contains { $0["kind"] as? String == "public note" && $0["text"] as? String == "crew sent" })
            let csv = try await HTTP.get("/v1/wards/15/requests.csv", port: port, key: TestKeys.admin)
            #expect(csv.text.contains("bo@example.org") && csv.text.contains("312-555-0101"))

            // Nobody else gets the names.
            for (path, key, status) in [
                ("/v1/wards/16/requests", TestKeys.wardOffice, 403), ("/v1/wards/15/requests", TestKeys.planner, 403),
                ("/v1/wards/15/requests", TestKeys.intake, 403), ("/v1/wards/15/requests.csv", TestKeys.public, 403),
                ("/v1/wards/15/requests", nil, 401), ("/v1/wards/15/requests", TestKeys.revoked, 401),
            ] as [(String, String?, Int)] {
                let reply = try await HTTP.get(path, port: port, key: key)
                #expect(reply.status == status, "\(path) \(key ?? "none")")
                #expect(!reply.text.contains("Ann") && !reply.text.contains("bo@example.org"))
            }
            // The planner's summary has figures, never names.
            let planner = try await HTTP.get("/v1/wards/15/summary", port: port, key: TestKeys.planner)
            #expect(planner.status == 200 && !planner.text.contains("Ann") && !planner.text.contains("312-555-0101"))

            // A join to a closed case is refused: the caller needs a new request.
            #expect(try await HTTP.send("POST", "/v1/cases/\(parent)/status", port: port, body: #"{"status": "closed"}"#, key: TestKeys.intake).status == 200)
            let late = try await HTTP.send("POST", "/v1/cases/\(parent)/join", port: port, body: "{}", key: TestKeys.intake)
            #expect(late.status == 409)
            #expect(late.errorMessage?.contains("an open case only") == true)

            // Closed, then reopened when the resident says it is back: the case counts once as
            // closed and once as reopened, however often it goes round (children are not cases).
            func closures() async throws -> (Int?, Int?, Double?) {
                let totals = try await HTTP.get("/v1/wards/15/summary", port: port, key: TestKeys.planner).json["totals"] as? [String: Any]
                return (totals?["ever_closed"] as? Int, totals?["reopened"] as? Int, totals?["reopen_rate"] as? Double)
            }
            #expect(try await closures() == (1, 0, 0))
            for status in ["reopened", "closed", "reopened"] {
                #expect(try await HTTP.send("POST", "/v1/cases/\(parent)/status", port: port, body: #"{"status": "\#(status)", "note": "back again"}"#,
                                            key: TestKeys.intake).status == 200)
            }
            #expect(try await closures() == (1, 1, 1))
            #expect(try await HTTP.send("POST", "/v1/cases/SS00-NOPE/join", port: port, body: "{}", key: TestKeys.intake).status == 404)
            #expect(try await HTTP.send("POST", "/v1/cases/\(parent)/join", port: port, body: "{}", key: TestKeys.planner).status == 403)
        }
    }
}
