import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PostgresNIO
import SamespotStore
import SamespotTestSupport
import Testing

/// Open311 GeoReport v2 as resident apps and city tools call it, on a real server over a copy
/// of the sample city (Chicago, 2021-01-01).
@Suite struct Open311Tests {
    static let base = "/open311/v2"

    /// The text of every element with this name in an XML document.
    static func xmlValues(_ name: String, in data: Data) throws -> [String] {
        let document = try XMLDocument(data: data)
        return try document.nodes(forXPath: "//\(name)").map { $0.stringValue ?? "" }
    }

    @Test func discoveryAndServicesInBothFormats() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            let discovery = try await HTTP.get("\(Self.base)/discovery.json", port: port, key: nil)
            #expect(discovery.status == 200)
            let endpoints = try #require(discovery.json["endpoints"] as? [[String: Any]])
            #expect(endpoints.first?["specification"] as? String == "http://wiki.open311.org/GeoReport_v2")
            #expect(endpoints.first?["formats"] as? [String] == ["text/xml", "application/json"])
            let xml = try await HTTP.get("\(Self.base)/discovery.xml", port: port, key: nil)
            #expect(xml.header("Content-Type")?.hasPrefix("text/xml") == true)
            #expect(try Self.xmlValues("format", in: xml.data) == ["text/xml", "application/json"])

            let services = try await HTTP.get("\(Self.base)/services.json", port: port, key: nil)
            let pothole = try #require(services.array.first { $0["service_code"] as? String == "PHF" })
            #expect(pothole["service_name"] as? String == "Pothole in Street Complaint")
            #expect(pothole["type"] as? String == "realtime")
            // The sample city ships the questions of its main types; a type without any says so.
            #expect(pothole["metadata"] as? Bool == true)
            #expect(services.array.first { $0["service_code"] as? String == "AVN" }?["metadata"] as? Bool == false)
            let graffiti = try await HTTP.get("\(Self.base)/services/GRAF.json", port: port, key: nil)
            let questions = try #require(graffiti.json["attributes"] as? [[String: Any]])
            #expect(questions.map { $0["code"] as? String } == ["SURFACE", "WHERE"])
            #expect((questions[0]["values"] as? [[String: Any]])?.contains { $0["name"] as? String == "Brick - Painted" } == true)
            let codes = try Self.xmlValues("service_code", in: try await HTTP.get("\(Self.base)/services.xml", port: port, key: nil).data)
            #expect(codes.count == services.array.count && codes.contains("SGA"))

            let missing = try await HTTP.get("\(Self.base)/services/NOPE.xml", port: port, key: nil)
            #expect(missing.status == 404)
            #expect(try Self.xmlValues("code", in: missing.data) == ["404"])
            #expect(try Self.xmlValues("description", in: missing.data).first?.contains("NOPE") == true)
        }
    }

    /// Questions an admin defines appear in the definition, and posts are checked against them:
    /// required ones present, list answers among the keys, both list forms apps send.
    @Test func serviceDefinitionsAndTheirAttributesOnPost() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let definition = #"""
                {"service_name": "Pothole in Street Complaint", "department": "CDOT", "attributes": [
                  {"code": "DEPTH", "datatype": "number", "required": true, "description": "How deep (cm)?", "order": 1},
                  {"code": "KINDS", "datatype": "multivaluelist", "description": "What is in it?", "order": 2,
                   "values": [{"key": "water", "name": "Water"}, {"key": "glass", "name": "Glass"}]}]}
                """#
            let saved = try await HTTP.send("PUT", "/v1/services/PHF", port: port, body: definition)
            #expect(saved.status == 200)
            #expect((saved.json["attributes"] as? [[String: Any]])?.count == 2)
            let intakeCannot = try await HTTP.send("PUT", "/v1/services/PHF", port: port, body: definition, key: TestKeys.intake)
            #expect(intakeCannot.status == 403)

            let def = try await HTTP.get("\(Self.base)/services/PHF.json", port: port, key: nil)
            #expect(def.status == 200)
            let attributes = try #require(def.json["attributes"] as? [[String: Any]])
            #expect(attributes.map { $0["code"] as? String } == ["DEPTH", "KINDS"])
            #expect(attributes[0]["required"] as? Bool == true && attributes[0]["datatype"] as? String == "number")
            #expect((attributes[1]["values"] as? [[String: Any]])?.map { $0["key"] as? String } == ["water", "glass"])
            let xml = try await HTTP.get("\(Self.base)/services/PHF.xml", port: port, key: nil)
            #expect(try Self.xmlValues("attributes/attribute/code", in: xml.data) == ["DEPTH", "KINDS"])
            let list = try await HTTP.get("\(Self.base)/services.json", port: port, key: nil)
            #expect(list.array.first { $0["service_code"] as? String == "PHF" }?["metadata"] as? Bool == true)

            let place: [(String, String)] = [("api_key", TestKeys.public), ("service_code", "PHF"), ("lat", "41.8057"), ("long", "-87.6697")]
            let noDepth = try await HTTP.form("\(Self.base)/requests.json", place, port: port)
            #expect(noDepth.status == 400)
            #expect(noDepth.open311Error?.description == "attribute[DEPTH] is required: How deep (cm)?")
            let badKind = try await HTTP.form("\(Self.base)/requests.json", place + [("attribute[DEPTH]", "12"), ("attribute[KINDS]", "lava")], port: port)
            #expect(badKind.status == 400)
            #expect(badKind.open311Error?.description == "attribute[KINDS] is \"lava\"; it must be one of: water, glass")
            let repeated = try await HTTP.form("\(Self.base)/requests.json", place + [
                ("attribute[DEPTH]", "12"), ("attribute[KINDS]", "water"), ("attribute[KINDS]", "glass"), ("attribute[uprn]", "99"),
            ], port: port)
            #expect(repeated.status == 200)
            let bracketed = try await HTTP.form("\(Self.base)/requests.json", place + [
                ("attribute[DEPTH]", "3"), ("attribute[KINDS][]", "glass"), ("attribute[KINDS][]", "water"),
            ], port: port)
            #expect(bracketed.status == 200)
            let stored = try await db.client.query("""
                SELECT r.service_request_id, a.code, a.answers FROM request_attributes a JOIN service_requests r USING (request_id)
                ORDER BY r.request_id, a.code
                """, logger: db.logger)
            var rows: [String] = []
            for try await (id, code, answers) in stored.decode((String, String, [String]).self) {
                rows.append("\(id == repeated.array.first?["service_request_id"] as? String ? "first" : "second") \(code)=\(answers.joined(separator: "+"))")
            }
            // Unknown codes (uprn) are not stored; list answers keep their order.
            #expect(rows == ["first DEPTH=12", "first KINDS=water+glass", "second DEPTH=3", "second KINDS=glass+water"])
        }
    }

    @Test func postAnswersWithIdAndTokenAndKeepsTextIntact() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            let description = "Deep hole\r\nnear the café — “careful” <3 & more: \"2\\3\"\tit's 🕳️"
            let posted = try await HTTP.form("\(Self.base)/requests.xml", [
                ("api_key", TestKeys.public), ("jurisdiction_id", "chicago.il.us"), ("service_code", "PHF"),
                ("lat", "41.8057"), ("long", "-87.6697"), ("description", description), ("device_id", "abc"),
                ("address_id", "#NOTPINPOINTED#"), ("email", "ada@example.org"), ("first_name", "Ada"), ("phone", "312-555-0100"),
            ], port: port)
            #expect(posted.status == 200)
            let id = try #require(try Self.xmlValues("service_request_id", in: posted.data).first)
            let token = try #require(try Self.xmlValues("token", in: posted.data).first)
            #expect(id.hasPrefix("SS"))

            // Both formats give the description back exactly: CRLF, tab, non-ASCII, markup characters, quotes, backslash.
            let json = try await HTTP.get("\(Self.base)/requests/\(id).json", port: port, key: nil)
            #expect(json.array.first?["description"] as? String == description)
            let xml = try await HTTP.get("\(Self.base)/requests/\(id).xml", port: port, key: nil)
            #expect(try Self.xmlValues("description", in: xml.data) == [description])
            // Dates are W3C with the city's offset.
            let requested = try #require(json.array.first?["requested_datetime"] as? String)
            #expect(requested.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$"#, options: .regularExpression) != nil)
            // The token finds the request.
            let byToken = try await HTTP.get("\(Self.base)/tokens/\(token).json", port: port, key: nil)
            #expect(byToken.array.first?["service_request_id"] as? String == id)
            #expect(try await HTTP.get("\(Self.base)/tokens/00000000-0000-0000-0000-000000000000.json", port: port, key: nil).status == 404)
            #expect(try await HTTP.get("\(Self.base)/tokens/not-a-token.json", port: port, key: nil).status == 404)
            #expect(try await HTTP.get("\(Self.base)/requests/SR00-NOPE.json", port: port, key: nil).status == 404)

            // A JSON body and an address id work too; the key may come as a header.
            let byID = try await HTTP.send("POST", "\(Self.base)/requests.json", port: port,
                                           body: #"{"service_code": "SGA", "address_id": 1, "attribute": {"x": ["1", 2]}}"#, key: TestKeys.public)
            #expect(byID.status == 200)
            let filed = try await HTTP.get("\(Self.base)/requests/\(byID.array.first?["service_request_id"] as? String ?? "").json", port: port, key: nil)
            #expect(filed.array.first?["address_id"] as? String == "1")
        }
    }

    @Test func postErrorsAreTheSpecsFormatAndStoreNothing() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let place = [("service_code", "PHF"), ("lat", "41.8057"), ("long", "-87.6697")]
            let cases: [([(String, String)], Int, String)] = [
                (place, 403, "api_key is required to post a service request"),
                (place + [("api_key", "ssk_wrong")], 403, "api_key is not valid or has been revoked"),
                (place + [("api_key", TestKeys.revoked)], 403, "api_key is not valid or has been revoked"),
                ([("api_key", TestKeys.public), ("service_code", "NOPE"), ("lat", "41.8"), ("long", "-87.6")], 400,
                 "unknown service_code NOPE: see the list of services"),
                ([("api_key", TestKeys.public), ("service_code", "PHF")], 400, "a location is required: lat and long, address_string or address_id"),
                ([("api_key", TestKeys.public), ("service_code", "PHF"), ("lat", "41.8")], 400, "lat and long go together: send both or neither"),
                ([("api_key", TestKeys.public), ("service_code", "PHF"), ("lat", "north"), ("long", "-87.6")], 400, "lat=north is not a number"),
                ([("api_key", TestKeys.public), ("lat", "41.8"), ("long", "-87.6")], 400, "service_code is required"),
                ([("api_key", TestKeys.public), ("service_code", "PHF"), ("lat", "48.85"), ("long", "2.35")], 400,
                 "48.85, 2.35 is outside the city (in no ward)"),
                ([("api_key", TestKeys.public), ("service_code", "PHF"), ("address_id", "999999999")], 400,
                 "address_id 999999999 is not in the city's address table"),
                (place + [("api_key", TestKeys.public), ("description", String(repeating: "x", count: 4_001))], 400,
                 "description is 4001 characters; at most 4000"),
                (place + [("api_key", TestKeys.public), ("media_url", "javascript:alert(1)")], 400,
                 "media_url must be an http or https address of at most 2000 characters"),
            ]
            for (fields, status, message) in cases {
                let reply = try await HTTP.form("\(Self.base)/requests.json", fields, port: port)
                #expect(reply.status == status, "\(fields)")
                #expect(reply.open311Error?.code == status)
                #expect(reply.open311Error?.description == message)
            }
            let xml = try await HTTP.form("\(Self.base)/requests.xml", place, port: port)
            #expect(xml.status == 403)
            #expect(try Self.xmlValues("errors/error/code", in: xml.data) == ["403"])
            for try await n in try await db.client.query("SELECT count(*)::int FROM service_requests WHERE source = 'api'", logger: db.logger).decode(Int.self) {
                #expect(n == 0)
            }
        }
    }

    /// GET requests: a list of ids overrides the other filters; dates arrive URL-encoded with
    /// offsets; status is open/closed; pages; and the spec's default window of 90 days.
    @Test func listFiltersAsTheSpecSays() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            func count(_ sql: String) async throws -> Int {
                for try await n in try await db.client.query(PostgresQuery(unsafeSQL: sql), logger: db.logger).decode(Int.self) { return n }
                return -1
            }
            // Midnight to 00:10 in Chicago, written in UTC with an encoded "+".
            let window = "start_date=2021-01-01T06:00:00%2B00:00&end_date=2021-01-01T06:10:00%2B00:00"
            let early = try await HTTP.get("\(Self.base)/requests.json?\(window)", port: port, key: nil)
            #expect(early.status == 200)
            #expect(early.array.count == (try await count("""
                SELECT count(*)::int FROM service_requests WHERE requested_at BETWEEN '2021-01-01 00:00-06' AND '2021-01-01 00:10-06'
                """)))
            #expect(early.array.count > 3)
            // Newest first.
            let times = early.array.compactMap { $0["requested_datetime"] as? String }
            #expect(times == times.sorted(by: >))

            let closed = try await HTTP.get("\(Self.base)/requests.json?start_date=2021-01-01&end_date=2021-01-01&status=closed&service_code=SGA,SKA", port: port, key: nil)
            #expect(closed.array.count == (try await count("""
                SELECT count(*)::int FROM service_requests WHERE service_code IN ('SGA', 'SKA') AND status IN ('closed', 'canceled')
                """)))
            #expect(closed.array.allSatisfy { $0["status"] as? String == "closed" && ["SGA", "SKA"].contains($0["service_code"] as? String ?? "") })

            // Ids override: the status filter would exclude these (they are closed).
            let ids = closed.array.prefix(2).compactMap { $0["service_request_id"] as? String }
            let byIDs = try await HTTP.get("\(Self.base)/requests.json?service_request_id=\(ids.joined(separator: ","))&status=open", port: port, key: nil)
            #expect(Set(byIDs.array.compactMap { $0["service_request_id"] as? String }) == Set(ids))

            // Pages do not overlap.
            let page1 = try await HTTP.get("\(Self.base)/requests.json?start_date=2021-01-01&end_date=2021-01-01&page_size=5&page=1", port: port, key: nil)
            let page2 = try await HTTP.get("\(Self.base)/requests.json?start_date=2021-01-01&end_date=2021-01-01&page_size=5&page=2", port: port, key: nil)
            let first = Set(page1.array.compactMap { $0["service_request_id"] as? String })
            let second = Set(page2.array.compactMap { $0["service_request_id"] as? String })
            #expect(first.count == 5 && second.count == 5 && first.isDisjoint(with: second))

            // No dates: the last 90 days, so the sample's 2021 requests are not there.
            #expect(try await HTTP.get("\(Self.base)/requests.json", port: port, key: nil).array.isEmpty)

            for (query, message) in [
                ("start_date=yesterday", "start_date=yesterday is not a date: use 2021-01-01 or 2021-01-01T09:30:00-06:00"),
                ("status=fixed", "status fixed is not open or closed"),
                ("start_date=2021-02-01&end_date=2021-01-01", "end_date is before start_date"),
                ("page_size=5000", "page_size must be 1 to 1000"),
            ] {
                let reply = try await HTTP.get("\(Self.base)/requests.json?\(query)", port: port, key: nil)
                #expect(reply.status == 400, "\(query)")
                #expect(reply.open311Error?.description == message)
            }
        }
    }

    /// A duplicate answers with its own id and names its parent; when the parent closes, the
    /// child reads "closed" (never a custom status) with notes naming the parent.
    @Test func duplicatesNameTheirParentAndCloseWithIt() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            // Rodent baiting merges by address (7 days).
            let report = [("api_key", TestKeys.public), ("service_code", "SGA"), ("address_string", "4853 S Wood St")]
            let first = try await HTTP.form("\(Self.base)/requests.json", report, port: port)
            let second = try await HTTP.form("\(Self.base)/requests.json", report + [("address_string", "4853 s. wood street apt 2")], port: port)
            let parent = try #require(first.array.first?["service_request_id"] as? String)
            let child = try #require(second.array.first?["service_request_id"] as? String)
            #expect(first.array.first?["service_notice"] is NSNull)
            #expect((second.array.first?["service_notice"] as? String)?.contains("Already reported") == true)
            #expect((second.array.first?["service_notice"] as? String)?.contains(parent) == true)

            let childView = try await HTTP.get("\(Self.base)/requests/\(child).json?extensions=true", port: port, key: nil)
            let extended = try #require(childView.array.first?["extended_attributes"] as? [String: Any])
            #expect(extended["duplicate"] as? Bool == true)
            #expect(extended["parent_service_request_id"] as? String == parent)
            #expect(extended["ward"] as? String == "15")
            #expect(extended["channel"] as? String == "open311")
            let parentView = try await HTTP.get("\(Self.base)/requests/\(parent).json?extensions=true", port: port, key: nil)
            let notes = try #require(parentView.array.first?["notes"] as? [[String: Any]])
            #expect(notes.contains { $0["type"] as? String == "child_request" && ($0["summary"] as? String)?.contains(child) == true })
            // Without extensions there are none of these.
            #expect(try await HTTP.get("\(Self.base)/requests/\(parent).json", port: port, key: nil).array.first?["notes"] == nil)

            let closing = try await HTTP.send("POST", "/v1/cases/\(parent)/status", port: port, body: #"{"status": "closed", "note": "baited"}"#,
                                              key: TestKeys.intake)
            #expect(closing.status == 200)
            let after = try await HTTP.get("\(Self.base)/requests/\(child).json", port: port, key: nil)
            #expect(after.array.first?["status"] as? String == "closed")
            #expect((after.array.first?["status_notes"] as? String)?.contains(parent) == true)
            let xml = try await HTTP.get("\(Self.base)/requests/\(child).xml", port: port, key: nil)
            #expect(try Self.xmlValues("status", in: xml.data) == ["closed"])
        }
    }

    /// Sensitive types are shown to the public at the block, without description; staff who
    /// read cases see them where they are. Requester data is never in any answer.
    @Test func sensitiveTypesAreRoundedAndPersonalDataNeverShows() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            let edit = #"{"service_name": "Rodent Baiting/Rat Complaint", "sensitive": true}"#
            #expect(try await HTTP.send("PUT", "/v1/services/SGA", port: port, body: edit).status == 200)
            let posted = try await HTTP.form("\(Self.base)/requests.json", [
                ("api_key", TestKeys.public), ("service_code", "SGA"), ("address_string", "4853 S Wood St"),
                ("description", "rats by the back door of the blue house"), ("first_name", "Grace"), ("last_name", "Hopper"),
                ("email", "grace@example.org"), ("phone", "312-555-0199"),
            ], port: port)
            let id = try #require(posted.array.first?["service_request_id"] as? String)

            let publicView = try await HTTP.get("\(Self.base)/requests/\(id).json?extensions=true", port: port, key: nil)
            let shown = try #require(publicView.array.first)
            #expect(shown["address"] as? String == "4800 block of S WOOD ST")
            #expect(shown["description"] is NSNull)
            #expect(shown["address_id"] is NSNull)
            let lat = try #require(shown["lat"] as? Double)
            #expect(abs(lat * 1_000 - (lat * 1_000).rounded()) < 1e-6)
            let staffView = try await HTTP.get("\(Self.base)/requests/\(id).json", port: port, key: TestKeys.intake)
            #expect(staffView.array.first?["address"] as? String == "4853 S WOOD ST")
            #expect(staffView.array.first?["lat"] as? Double == 41.8057634)

            let matches = try await HTTP.get("/v1/matches?address=4850+S+Wood+St&service_code=SGA", port: port, key: nil)
            #expect(matches.status == 200)
            let match = try #require((matches.json["matches"] as? [[String: Any]])?.first)
            #expect(match["address"] as? String == "4800 block of S WOOD ST")

            for reply in [publicView, staffView, matches, posted,
                          try await HTTP.get("\(Self.base)/requests.xml?service_request_id=\(id)&extensions=true", port: port, key: nil),
                          try await HTTP.get("/v1/cases/\(id)", port: port, key: TestKeys.intake)] {
                for secret in ["Grace", "Hopper", "grace@example.org", "312-555-0199"] {
                    #expect(!reply.text.contains(secret), "\(secret) in \(reply.text.prefix(80))")
                }
            }
        }
    }
}
