import Foundation
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import SamespotCore
import SamespotHTTP
import SamespotService
import SamespotStore
import SamespotTestSupport
import Testing

@Suite struct IntakeTests {
    /// A fresh city with two service types: PHF (a rule: 50 m, 7 days) and GRAF (the fallback rule).
    static func withCity(_ body: @escaping @Sendable (Database) async throws -> Void) async throws {
        try await TestDatabase.withFresh { db in
            try await db.client.query("""
                INSERT INTO service_types (service_code, service_name) VALUES ('PHF', 'Pothole in Street'), ('GRAF', 'Graffiti Removal')
                """, logger: db.logger)
            try await db.client.query("""
                INSERT INTO dedup_rules (service_code, match_unit, radius_m, window_seconds) VALUES ('PHF', 'distance', 50, 604800)
                """, logger: db.logger)
            try await body(db)
        }
    }

    static func app(_ db: Database) throws -> some ApplicationProtocol {
        SamespotServer.bootstrapMetrics()
        let pool = Database(settings: db.settings, logger: TestEnvironment.logger)
        return try SamespotServer.buildApplication(settings: TestServer.settings(db.settings), database: pool,
                                                   indexes: TestServer.emptyIndexes, logger: TestEnvironment.logger)
    }

    static func post(_ json: String, port: Int) async throws -> (Int, [String: Any]) {
        try await send("POST", "/v1/requests", json, port: port)
    }

    static func send(_ method: String, _ path: String, _ json: String? = nil, port: Int) async throws -> (Int, [String: Any]) {
        let reply = try await HTTP.send(method, path, port: port, body: json)
        return (reply.status, reply.json)
    }

    @Test func secondReportNearbyBecomesAChildWithItsReasons() async throws {
        try await Self.withCity { db in
            try await Self.app(db).test(.live) { client in
                let port = try #require(client.port)
                let (s1, first) = try await Self.post(#"{"service_code": "PHF", "lat": 41.8800, "long": -87.6300, "first_name": "Ada", "email": "ada@example.org"}"#, port: port)
                #expect(s1 == 201)
                #expect(first["duplicate"] as? Bool == false)
                let parent = try #require(first["service_request_id"] as? String)
                #expect(parent.hasPrefix("SS"))
                // 0.0002° north ≈ 22 m: within PHF's 50 m.
                let (s2, second) = try await Self.post(#"{"service_code": "PHF", "lat": 41.8802, "long": -87.6300, "description": "deep one"}"#, port: port)
                #expect(s2 == 201)
                #expect(second["duplicate"] as? Bool == true)
                #expect(second["parent_service_request_id"] as? String == parent)
                let decision = try #require(second["decision"] as? [String: Any])
                let distance = try #require(decision["distance_m"] as? Double)
                #expect(abs(distance - 22.2) < 0.5)
                // Personal data is never echoed.
                #expect(!String(describing: first).contains("ada@example.org"))
                // Another type at the same spot, and the same type 200 m away, are new cases.
                let (_, graffiti) = try await Self.post(#"{"service_code": "GRAF", "lat": 41.8800, "long": -87.6300}"#, port: port)
                #expect(graffiti["duplicate"] as? Bool == false)
                let (_, far) = try await Self.post(#"{"service_code": "PHF", "lat": 41.8818, "long": -87.6300}"#, port: port)
                #expect(far["duplicate"] as? Bool == false)
            }
            let rows = try await db.client.query("""
                SELECT (SELECT child_count FROM service_requests WHERE parent_request_id IS NULL AND service_code = 'PHF' ORDER BY request_id LIMIT 1),
                       (SELECT priority FROM service_requests WHERE parent_request_id IS NULL AND service_code = 'PHF' ORDER BY request_id LIMIT 1),
                       (SELECT count(*)::int FROM dedup_decisions), (SELECT count(*)::int FROM audit_log),
                       (SELECT count(*)::int FROM requesters WHERE email = 'ada@example.org')
                """, logger: db.logger)
            for try await (children, priority, decisions, audits, requesters) in rows.decode((Int, Int, Int, Int, Int).self) {
                #expect(children == 1 && priority == 1)
                #expect(decisions == 1)
                #expect(audits == 4)
                #expect(requesters == 1)
            }
        }
    }

    /// Most requests have no parent: their write must not run the merge's steps at all. A step
    /// that writes no row still costs PostgreSQL its start and fires the case feed's UPDATE
    /// trigger, so a new case gets a statement without them (`WriteCases<NewCase>`).
    @Test func aNewCaseRunsNoMergeStep() async throws {
        try await Self.withCity { db in
            // Statement triggers fire for a statement that touches no row: they count the steps run.
            for statement: PostgresQuery in [
                "CREATE TABLE steps_run (step text)",
                """
                CREATE FUNCTION note_step() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO steps_run VALUES (TG_TABLE_NAME || ' ' || TG_OP); RETURN NULL; END $$
                """,
                "CREATE TRIGGER cases_updated AFTER UPDATE ON service_requests FOR EACH STATEMENT EXECUTE FUNCTION note_step()",
                "CREATE TRIGGER decisions_inserted AFTER INSERT ON dedup_decisions FOR EACH STATEMENT EXECUTE FUNCTION note_step()",
            ] {
                try await db.client.query(statement, logger: db.logger)
            }
            @Sendable func steps() async throws -> [String] {
                var names: [String] = []
                for try await name in try await db.client.query("SELECT step FROM steps_run ORDER BY step", logger: db.logger).decode(String.self) {
                    names.append(name)
                }
                return names
            }
            try await Self.app(db).test(.live) { client in
                let port = try #require(client.port)
                let (s1, first) = try await Self.post(#"{"service_code": "PHF", "lat": 41.8800, "long": -87.6300}"#, port: port)
                #expect(s1 == 201 && first["duplicate"] as? Bool == false)
                #expect(try await steps() == [])
                let (s2, second) = try await Self.post(#"{"service_code": "PHF", "lat": 41.8802, "long": -87.6300}"#, port: port)
                #expect(s2 == 201 && second["duplicate"] as? Bool == true)
                #expect(try await steps() == ["dedup_decisions INSERT", "service_requests UPDATE"])
            }
        }
    }

    /// A trigger that notes, for each case stored, whether the statement that stored it is the one
    /// that took the spot's locks and read its candidates (`current_query()`, the text the client
    /// sent): true for intake in one statement, false for the BEGIN … COMMIT transaction.
    static func noteWhichWayStored(_ db: Database) async throws {
        for statement: PostgresQuery in [
            "CREATE TABLE stored_by (request_id bigint, one_statement boolean)",
            """
            CREATE FUNCTION note_statement() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO stored_by VALUES (NEW.request_id, position('samespot_lock_and_count_candidates' IN current_query()) > 0);
                RETURN NULL;
            END $$
            """,
            "CREATE TRIGGER cases_stored AFTER INSERT ON service_requests FOR EACH ROW EXECUTE FUNCTION note_statement()",
        ] {
            try await db.client.query(statement, logger: db.logger)
        }
    }

    static func storedInOneStatement(_ db: Database) async throws -> [Bool] {
        var stored: [Bool] = []
        for try await one in try await db.client.query("SELECT one_statement FROM stored_by ORDER BY request_id", logger: db.logger)
            .decode(Bool.self) {
            stored.append(one)
        }
        return stored
    }

    /// Most requests have no open case of their type near: they are stored in one statement, one
    /// round trip. One with a candidate is decided in the transaction, as is one with a photo
    /// (a second statement in the case's transaction).
    @Test func aCaseWithNoParentIsStoredInOneStatement() async throws {
        try await Self.withCity { db in
            try await Self.noteWhichWayStored(db)
            try await Self.app(db).test(.live) { client in
                let port = try #require(client.port)
                let (s1, first) = try await Self.post(#"{"service_code": "PHF", "lat": 41.8800, "long": -87.6300}"#, port: port)
                #expect(s1 == 201 && first["duplicate"] as? Bool == false)
                let (s2, second) = try await Self.post(#"{"service_code": "PHF", "lat": 41.8802, "long": -87.6300}"#, port: port)
                #expect(s2 == 201 && second["duplicate"] as? Bool == true)
                #expect(second["parent_service_request_id"] as? String == first["service_request_id"] as? String)
                // The fallback rule of another type: no candidate of its own type, one statement again.
                let (s3, third) = try await Self.post(#"{"service_code": "GRAF", "lat": 41.8800, "long": -87.6300}"#, port: port)
                #expect(s3 == 201 && third["duplicate"] as? Bool == false)
            }
            #expect(try await Self.storedInOneStatement(db) == [true, false, true])
        }
    }

    /// The one statement stores a case only when PostgreSQL's clock, read after the locks, is in
    /// the day and year its deadlines and tracking number were computed for. With this process's
    /// clock a year off, the transaction stores it instead, at PostgreSQL's clock: the same
    /// deadlines and tracking year as a case taken in one statement with the right clock.
    @Test func aClockGuessOutOfTheDayFallsToTheTransaction() async throws {
        try await Self.withCity { db in
            try await Self.noteWhichWayStored(db)
            let store = IntakeStore(database: db, city: SampleCity.city)
            let intake = PreparedIntake(
                serviceCode: "GRAF", description: "", channel: "phone", requester: nil, address: "", addressKey: "", blockKey: "",
                longitude: -87.63, latitude: 41.88, precision: .caller, x: 0, y: 0, wards: [], rule: .fallback("GRAF"))
            let chooser = ParentChooser(readsStreets: false) { _, _, _ in nil }
            let now = Date().timeIntervalSince1970
            let wrong = try await store.insert(intake, calendar: BusinessCalendar(), choose: chooser, clock: now - 400 * 86_400)
            var elsewhere = intake  // 10 km away: the first is not its candidate
            elsewhere.x = 10_000
            let right = try await store.insert(elsewhere, calendar: BusinessCalendar(), choose: chooser, clock: now)
            #expect(wrong.serviceRequestID.prefix(5) == right.serviceRequestID.prefix(5))
            #expect(try await Self.storedInOneStatement(db) == [false, true])
            let rows = try await db.client.query("""
                SELECT count(DISTINCT (acknowledge_due_at, respond_due_at))::int, min(acknowledge_due_at) > now(),
                       max(abs(extract(epoch FROM requested_at - now())))::float8
                FROM service_requests
                """, logger: db.logger)
            for try await (distinctDeadlines, dueAhead, secondsOff) in rows.decode((Int, Bool, Double).self) {
                #expect(distinctDeadlines == 1)
                #expect(dueAhead)
                #expect(secondsOff < 60)
            }
        }
    }

    /// Reports that arrive together are written together: 24 reports of 24 spots at once, with
    /// two statements free, share statements (a trigger counts the cases each statement
    /// inserted). Each case keeps its own requester, wards, answers, history and audit row. One
    /// report routed to staff who do not exist makes PostgreSQL refuse its batch: that one fails
    /// alone, and every other report of the batch is stored through the transaction.
    @Test func reportsArrivingTogetherShareAStatement() async throws {
        try await Self.withCity { db in
            for statement: PostgresQuery in [
                "CREATE TABLE statement_sizes (cases int)",
                """
                CREATE FUNCTION note_statement_size() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO statement_sizes SELECT count(*) FROM inserted; RETURN NULL; END $$
                """,
                """
                CREATE TRIGGER statement_sizes AFTER INSERT ON service_requests REFERENCING NEW TABLE AS inserted
                FOR EACH STATEMENT EXECUTE FUNCTION note_statement_size()
                """,
                "INSERT INTO ward_sets (name) VALUES ('2023 wards'), ('2015 wards')",
            ] {
                try await db.client.query(statement, logger: db.logger)
            }
            var sets: [Int] = []
            for try await id in try await db.client.query("SELECT ward_set_id FROM ward_sets ORDER BY 1", logger: db.logger).decode(Int.self) {
                sets.append(id)
            }
            let store = IntakeStore(database: db, city: SampleCity.city)
            let chooser = ParentChooser(readsStreets: false) { _, _, _ in nil }
            let faulty = 21
            // Two waves: reports all good, then a wave with the faulty one (whose batch is refused,
            // so its neighbours are then stored one at a time).
            for wave in [0..<12, 12..<24] {
                let outcomes = await withTaskGroup(of: (Int, Result<IntakeOutcome, any Error>).self) { group in
                    for i in wave {
                        // 2 km apart: no report is another's candidate.
                        var intake = PreparedIntake(
                            serviceCode: "PHF", description: "report \(i)", channel: "phone",
                            requester: i % 2 == 0 ? .init(firstName: "R\(i)", lastName: "", email: "r\(i)@example.org", phone: "") : nil,
                            address: "", addressKey: "", blockKey: "", longitude: -87.63, latitude: 41.88, precision: .caller,
                            x: Double(i) * 2_000, y: 0, wards: [(sets[0], "\(i)"), (sets[1], i % 3 == 0 ? nil : "\(i + 100)")],
                            attributes: ["DEPTH": ["\(i)"]], rule: DedupRule(serviceCode: "PHF", radiusMetres: 50, windowDays: 7, matchUnit: .distance))
                        if i == faulty { intake.assignment = Assignment(department: "", staffID: 987_654) }
                        group.addTask {
                            do { return (i, .success(try await store.insert(intake, calendar: BusinessCalendar(), choose: chooser))) }
                            catch { return (i, .failure(error)) }
                        }
                    }
                    var all: [Int: Result<IntakeOutcome, any Error>] = [:]
                    for await (i, outcome) in group { all[i] = outcome }
                    return all
                }
                for (i, outcome) in outcomes {
                    switch outcome {
                    case .success: #expect(i != faulty, "the report for staff who do not exist was stored")
                    case .failure(let error): #expect(i == faulty, "report \(i) failed: \(error)")
                    }
                }
                let rows = try await db.client.query("SELECT max(cases)::int, sum(cases)::int FROM statement_sizes", logger: db.logger)
                for try await (largest, stored) in rows.decode((Int, Int).self) {
                    #expect(largest > 1, "every report had a statement of its own")
                    #expect(stored == (wave.contains(faulty) ? 23 : 12))
                }
            }
            let cases = try await db.client.query("""
                SELECT r.description, coalesce(q.email, ''), r.x_m::float8,
                       (SELECT string_agg(coalesce(w.ward, '-'), ',' ORDER BY w.ward_set_id) FROM request_wards w WHERE w.request_id = r.request_id),
                       (SELECT string_agg(a.answers[1], ',') FROM request_attributes a WHERE a.request_id = r.request_id AND a.code = 'DEPTH'),
                       (SELECT count(*)::int FROM status_history h WHERE h.request_id = r.request_id),
                       (SELECT count(*)::int FROM audit_log l WHERE l.request_id = r.request_id AND l.action = 'created')
                FROM service_requests r LEFT JOIN requesters q USING (requester_id) ORDER BY r.x_m
                """, logger: db.logger)
            var seen = 0
            for try await (description, email, x, wards, depth, history, audit) in cases.decode((String, String, Double, String?, String?, Int, Int).self) {
                let i = Int(x / 2_000)
                #expect(description == "report \(i)")
                #expect(email == (i % 2 == 0 ? "r\(i)@example.org" : ""))
                #expect(wards == "\(i),\(i % 3 == 0 ? "-" : "\(i + 100)")")
                #expect(depth == "\(i)")
                #expect(history == 1 && audit == 1)
                seen += 1
            }
            #expect(seen == 23)
            for try await orphans in try await db.client.query("""
                SELECT count(*)::int FROM requesters q WHERE NOT EXISTS (SELECT 1 FROM service_requests r WHERE r.requester_id = q.requester_id)
                """, logger: db.logger).decode(Int.self) {
                #expect(orphans == 0)
            }
        }
    }

    @Test func badIntakeGetsClearErrorsAndStoresNothing() async throws {
        try await Self.withCity { db in
            try await Self.app(db).test(.live) { client in
                let port = try #require(client.port)
                let cases: [(String, Int, String)] = [
                    (#"{"lat": 41.88, "long": -87.63}"#, 400, "service_code is required"),
                    (#"{"service_code": "PHF"}"#, 400, "a location is required: lat and long, address_id, or address"),
                    (#"{"service_code": "PHF", "lat": 41.88}"#, 400, "lat and long go together: send both or neither"),
                    (#"{"service_code": "PHF", "lat": 141.88, "long": -87.63}"#, 400, "lat must be in -90…90 and long in -180…180"),
                    (#"{"service_code": "NOPE", "lat": 41.88, "long": -87.63}"#, 422, "unknown service_code NOPE: see the list of services"),
                    ("not json", 400, #"the body must be JSON like {"service_code": "…", "lat": 41.88, "long": -87.63} or {"service_code": "…", "address": "…"}"#),
                    (#"{"service_code": "PHF", "lat": 41.88, "long": -87.63, "description": "a\u0000b"}"#, 400,
                     "description contains control characters other than line breaks and tabs"),
                ]
                for (json, status, message) in cases {
                    let (code, body) = try await Self.post(json, port: port)
                    #expect(code == status, "\(json)")
                    #expect((body["error"] as? [String: Any])?["message"] as? String == message)
                }
            }
            for try await n in try await db.client.query("SELECT count(*)::int FROM service_requests", logger: db.logger).decode(Int.self) {
                #expect(n == 0)
            }
        }
    }

    /// Two service instances (each its own server and connection pool) share one PostgreSQL;
    /// 200 reports of one pothole arrive at once, split between them: exactly one parent.
    @Test func concurrentReportsOfOneSpotOnTwoInstancesGiveExactlyOneParent() async throws {
        try await Self.withCity { db in
            try await Self.app(db).test(.live) { first in
                try await Self.app(db).test(.live) { second in
                    let ports = [try #require(first.port), try #require(second.port)]
                    let statuses = await HTTP.all(200) { i in
                        // Within a few metres of each other, as phones place one pothole.
                        let lat = 41.8800 + Double(i % 7) * 0.00001
                        return try await HTTP.send("POST", "/v1/requests", port: ports[i % 2],
                                                   body: #"{"service_code": "PHF", "lat": \#(lat), "long": -87.6300}"#)
                    }.map(\.status)
                    #expect(statuses.count == 200)
                    #expect(statuses.allSatisfy { $0 == 201 }, "\(statuses)")
                }
            }
            let rows = try await db.client.query("""
                SELECT count(*) FILTER (WHERE parent_request_id IS NULL)::int, count(*)::int,
                       max(child_count)::int, count(DISTINCT parent_request_id)::int
                FROM service_requests WHERE service_code = 'PHF'
                """, logger: db.logger)
            for try await (parents, total, children, distinctParents) in rows.decode((Int, Int, Int, Int).self) {
                #expect(total == 200)
                #expect(parents == 1)
                #expect(children == 199)
                #expect(distinctParents == 1)
            }
        }
    }
}
