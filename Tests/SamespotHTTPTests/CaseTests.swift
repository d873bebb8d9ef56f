import Foundation
import HummingbirdTesting
import SamespotTestSupport
import Testing

@Suite struct CaseTests {
    typealias T = IntakeTests

    @Test func closingAParentClosesItsChildrenAndUnmergeUndoes() async throws {
        try await T.withCity { db in
            try await T.app(db).test(.live) { client in
                let port = try #require(client.port)
                let (_, a) = try await T.post(#"{"service_code": "PHF", "lat": 41.8800, "long": -87.6300}"#, port: port)
                let (_, b) = try await T.post(#"{"service_code": "PHF", "lat": 41.8801, "long": -87.6300}"#, port: port)
                let (_, c) = try await T.post(#"{"service_code": "PHF", "lat": 41.8802, "long": -87.6300}"#, port: port)
                let parent = try #require(a["service_request_id"] as? String)
                let child1 = try #require(b["service_request_id"] as? String)
                let child2 = try #require(c["service_request_id"] as? String)
                #expect(b["parent_service_request_id"] as? String == parent)

                // Undo one merge: the child is its own case again; the decision is kept, reverted.
                let (su, unmerged) = try await T.send("POST", "/v1/cases/\(child2)/unmerge", port: port)
                #expect(su == 200)
                #expect(unmerged["parent_service_request_id"] == nil)
                let decisions = try #require(unmerged["decisions"] as? [[String: Any]])
                #expect(decisions.count == 1 && decisions[0]["reverted_at"] != nil)
                let (sAgain, _) = try await T.send("POST", "/v1/cases/\(child2)/unmerge", port: port)
                #expect(sAgain == 409)

                // Close the parent: the remaining child closes with it, its note naming the parent.
                let (sc, closed) = try await T.send("POST", "/v1/cases/\(parent)/status", #"{"status": "closed", "note": "filled"}"#, port: port)
                #expect(sc == 200)
                #expect(closed["status"] as? String == "closed")
                #expect(closed["child_count"] as? Int == 1)
                let (_, child) = try await T.send("GET", "/v1/cases/\(child1)", port: port)
                #expect(child["status"] as? String == "closed")
                #expect((child["status_notes"] as? String)?.contains(parent) == true)
                let (_, own) = try await T.send("GET", "/v1/cases/\(child2)", port: port)
                #expect(own["status"] as? String == "open")

                // A child's status follows its parent: setting it alone is refused.
                let (sChild, _) = try await T.send("POST", "/v1/cases/\(child1)/status", #"{"status": "acknowledged"}"#, port: port)
                #expect(sChild == 409)

                // An open request is not merged under a closed case: reopen it first (with a reason).
                let (sClosed, _) = try await T.send("POST", "/v1/cases/\(child2)/merge", "{\"parent\": \"\(parent)\"}", port: port)
                #expect(sClosed == 409)
                let (sr, reopened) = try await T.send("POST", "/v1/cases/\(parent)/status", #"{"status": "reopened", "note": "not really fixed"}"#, port: port)
                #expect(sr == 200 && reopened["status"] as? String == "reopened" && reopened["closed_at"] == nil)

                // Merge by hand: child2 goes back under the parent, and takes its status.
                let (sm, merged) = try await T.send("POST", "/v1/cases/\(child2)/merge", "{\"parent\": \"\(parent)\"}", port: port)
                #expect(sm == 200)
                #expect(merged["parent_service_request_id"] as? String == parent)
                #expect(merged["status"] as? String == "reopened")
                let audit = try #require(merged["audit"] as? [[String: Any]])
                #expect(audit.map { $0["action"] as? String } == ["created_as_duplicate", "unmerged", "merged"])

                for (method, path, body, status) in [
                    ("GET", "/v1/cases/NOPE-1", nil, 404),
                    ("POST", "/v1/cases/\(parent)/merge", "{\"parent\": \"\(parent)\"}", 409),
                    ("POST", "/v1/cases/\(parent)/status", #"{"status": "finished"}"#, 400),
                    ("POST", "/v1/cases/\(parent)/merge", "{}", 400),
                ] as [(String, String, String?, Int)] {
                    let (code, _) = try await T.send(method, path, body, port: port)
                    #expect(code == status, "\(method) \(path)")
                }
            }
        }
    }

    /// A close that waits for its case's lock while an intake adds a child to the family: the
    /// child's close is stamped after its own opening, so its history and its flags agree. (The
    /// close once took the time its transaction began, before the wait.)
    @Test func aCloseThatWaitedForItsLockComesAfterTheChildAddedMeanwhile() async throws {
        try await T.withCity { db in
            try await T.app(db).test(.live) { client in
                let port = try #require(client.port)
                let (_, a) = try await T.post(#"{"service_code": "PHF", "lat": 41.8800, "long": -87.6300}"#, port: port)
                let (_, b) = try await T.post(#"{"service_code": "PHF", "lat": 41.8900, "long": -87.6300}"#, port: port)
                let parent = try #require(a["service_request_id"] as? String)
                let other = try #require(b["service_request_id"] as? String)
                #expect(b["parent_service_request_id"] == nil)

                // Hold the parent's row as intake does while it merges; the close starts and waits.
                let joinedAt = try await db.client.withConnection { connection -> Date in
                    try await connection.query("BEGIN", logger: db.logger)
                    try await connection.query(
                        "SELECT 1 FROM service_requests WHERE service_request_id = \(parent) FOR NO KEY UPDATE", logger: db.logger)
                    let close = Task { try await T.send("POST", "/v1/cases/\(parent)/status", #"{"status": "closed", "note": "filled"}"#, port: port).0 }
                    try await Task.sleep(for: .milliseconds(400))
                    // Meanwhile the other case joins the family, opened now, as intake writes it.
                    var at = Date.distantPast
                    for try await seconds in try await connection.query("""
                        WITH joined AS (
                            UPDATE service_requests SET parent_request_id = (SELECT request_id FROM service_requests WHERE service_request_id = \(parent))
                            WHERE service_request_id = \(other) RETURNING request_id
                        )
                        INSERT INTO status_history (request_id, status, changed_at, actor, note)
                        SELECT request_id, 'open', clock_timestamp(), 'intake', 'received' FROM joined
                        RETURNING extract(epoch FROM changed_at)::float8
                        """, logger: db.logger).decode(Double.self) { at = Date(timeIntervalSince1970: seconds) }
                    try await connection.query("COMMIT", logger: db.logger)
                    #expect(try await close.value == 200)
                    return at
                }

                var history: [(String, Double)] = []
                for try await row in try await db.client.query("""
                    SELECT h.status, extract(epoch FROM h.changed_at)::float8 FROM status_history h JOIN service_requests r USING (request_id)
                    WHERE r.service_request_id = \(other) ORDER BY h.changed_at, h.history_id
                    """, logger: db.logger).decode((String, Double).self) { history.append(row) }
                #expect(history.last?.0 == "closed", "the child's last status is the close: \(history)")
                #expect((history.last?.1 ?? 0) >= joinedAt.timeIntervalSince1970, "closed after it joined")
                let (_, child) = try await T.send("GET", "/v1/cases/\(other)", port: port)
                #expect(child["status"] as? String == "closed")
            }
        }
    }

    @Test func rulesAreReadAndEditedPerType() async throws {
        try await T.withCity { db in
            try await T.app(db).test(.live) { client in
                let port = try #require(client.port)
                let (s1, stored) = try await T.send("GET", "/v1/rules/PHF", port: port)
                #expect(s1 == 200)
                #expect(stored["radius_m"] as? Double == 50 && stored["source"] as? String == "stored")
                let (_, fallback) = try await T.send("GET", "/v1/rules/GRAF", port: port)
                #expect(fallback["radius_m"] as? Double == 25 && fallback["window_days"] as? Double == 14)
                #expect(fallback["source"] as? String == "default")
                let (s2, saved) = try await T.send("PUT", "/v1/rules/GRAF", #"{"match_unit": "address", "radius_m": 0, "window_days": 3}"#, port: port)
                #expect(s2 == 200 && saved["match_unit"] as? String == "address")
                let (_, reread) = try await T.send("GET", "/v1/rules/GRAF", port: port)
                #expect(reread["window_days"] as? Double == 3 && reread["source"] as? String == "stored")
                let (s3, _) = try await T.send("PUT", "/v1/rules/GRAF", #"{"match_unit": "nearby", "radius_m": 0, "window_days": 3}"#, port: port)
                #expect(s3 == 422)
                let (s4, _) = try await T.send("GET", "/v1/rules/NOPE", port: port)
                #expect(s4 == 404)
            }
        }
    }
}

@Suite struct CatalogAndNoteTests {
    /// Service definitions and notes refuse what they cannot store, with a reason, and store
    /// nothing then.
    @Test func badDefinitionsAndNotesAreRefused() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            for (body, status, message) in [
                (#"{"service_name": ""}"#, 422, "service_name must be 1 to 200 characters"),
                (#"{"service_name": "X", "attributes": [{"code": "a b", "datatype": "string", "description": "?"}]}"#, 422,
                 "attributes.code must be 1 to 64 letters, digits, '-', '_' or '.'"),
                (#"{"service_name": "X", "attributes": [{"code": "K", "datatype": "colour", "description": "?"}]}"#, 422,
                 "datatype colour is not one of string, number, datetime, text, singlevaluelist, multivaluelist"),
                (#"{"service_name": "X", "attributes": [{"code": "K", "datatype": "singlevaluelist", "description": "?"}]}"#, 422,
                 "attribute K is a list: give its values"),
                ("[]", 400, #"the body must be JSON like {"service_name": "Pothole in Street", "department": "CDOT", "attributes": [{"code": "DEPTH", "datatype": "number", "description": "How deep?"}]}"#),
            ] as [(String, Int, String)] {
                let reply = try await HTTP.send("PUT", "/v1/services/PHF", port: port, body: body)
                #expect(reply.status == status, "\(body)")
                #expect(reply.errorMessage == message)
            }
            // Nothing of those was stored: the type keeps its name and the sample's two questions.
            let pothole = try await HTTP.get("/v1/services/PHF", port: port, key: nil)
            #expect(pothole.json["service_name"] as? String == "Pothole in Street Complaint")
            #expect((pothole.json["attributes"] as? [[String: Any]])?.map { $0["code"] as? String } == ["LOCATION_IN_STREET", "NUMBER_OF_POTHOLES"])
            #expect(try await HTTP.get("/v1/services/NOPE", port: port, key: nil).status == 404)

            for (body, status) in [(#"{"note": "  "}"#, 400), (#"{"note": "a\u0000b"}"#, 400), ("{}", 400)] as [(String, Int)] {
                #expect(try await HTTP.send("POST", "/v1/cases/SR21-00000001/notes", port: port, body: body, key: TestKeys.intake).status == status)
            }
            #expect(try await HTTP.send("POST", "/v1/cases/SS00-NOPE/notes", port: port, body: #"{"note": "x"}"#, key: TestKeys.intake).status == 404)
            let noted = try await HTTP.send("POST", "/v1/cases/SR21-00000001/notes", port: port, body: #"{"note": "called back"}"#,
                                            key: TestKeys.wardOffice)
            #expect(noted.status == 201)
            let notes = try #require(noted.json["notes"] as? [[String: Any]])
            #expect(notes.count == 1 && notes[0]["body"] as? String == "called back" && notes[0]["public"] as? Bool == false)
            #expect((notes[0]["author"] as? String)?.hasPrefix("ward_office#") == true)
        }
    }
}
