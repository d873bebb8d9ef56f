import Foundation
import PostgresNIO
import SamespotStore
import SamespotTestSupport
import Testing

@Suite struct MatchTests {
    /// Takes a request at intake (201 expected) and gives its tracking number.
    static func intake(_ json: String, port: Int) async throws -> String {
        let reply = try await HTTP.send("POST", "/v1/requests", port: port, body: json, key: TestKeys.intake)
        #expect(reply.status == 201, "\(reply.text)")
        return reply.json["service_request_id"] as? String ?? ""
    }

    /// "Already reported": open cases near the spot, those a new report would merge into first,
    /// with distance, age, status and child count; the radius a caller may ask depends on the role.
    @Test func openCasesNearASpotBestFirst() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            func post(_ json: String) async throws -> String { try await Self.intake(json, port: port) }
            // At 4853 S Wood St: a rodent case (merges by address) with one repeat, and graffiti 40 m north.
            let rats = try await post(#"{"service_code": "SGA", "address": "4853 S Wood St"}"#)
            _ = try await post(#"{"service_code": "SGA", "address": "4853 S Wood St", "first_name": "Ann"}"#)
            let graffiti = try await post(#"{"service_code": "GRAF", "lat": 41.80612, "long": -87.66976}"#)
            let farGraffiti = try await post(#"{"service_code": "GRAF", "lat": 41.8120, "long": -87.66976}"#)  // about 700 m north

            let any = try await HTTP.get("/v1/matches?address=4853+S+Wood+St", port: port, key: TestKeys.intake)
            #expect(any.status == 200)
            let spot = try #require(any.json["spot"] as? [String: Any])
            #expect(spot["address"] as? String == "4853 S WOOD ST" && spot["ward"] as? String == "15")
            #expect(any.json["radius_m"] as? Double == 1_000)
            let all = try #require(any.json["matches"] as? [[String: Any]])
            // The sample city has open cases of its own around; ours come in this order among them.
            let ours = [rats, graffiti, farGraffiti]
            let matches = all.filter { ours.contains($0["service_request_id"] as? String ?? "") }
            #expect(matches.map { $0["service_request_id"] as? String } == ours)
            #expect(all.first?["service_request_id"] as? String == rats)
            let distances = all.dropFirst().compactMap { $0["distance_m"] as? Double }
            #expect(distances == distances.sorted())
            #expect(matches[0]["would_merge"] as? Bool == true && matches[0]["same_address"] as? Bool == true)
            #expect(matches[0]["child_count"] as? Int == 1 && matches[0]["distance_m"] as? Double == 0)
            #expect(matches[1]["would_merge"] as? Bool == false)  // graffiti merges within 25 m only
            #expect(abs((matches[1]["distance_m"] as? Double ?? 0) - 40) < 5)
            #expect(matches[0]["status"] as? String == "open" && (matches[0]["age_days"] as? Double ?? 9) < 0.1)

            // The public sees 250 m at most; asking for more is refused, not silently cut.
            let publicView = try await HTTP.get("/v1/matches?address=4853+S+Wood+St", port: port, key: nil)
            #expect(publicView.json["radius_m"] as? Double == 250)
            let seen = (publicView.json["matches"] as? [[String: Any]] ?? []).compactMap { $0["service_request_id"] as? String }
            #expect(seen.contains(rats) && seen.contains(graffiti) && !seen.contains(farGraffiti))
            let wide = try await HTTP.get("/v1/matches?address=4853+S+Wood+St&radius=1000", port: port, key: TestKeys.public)
            #expect(wide.status == 403)
            #expect(wide.errorMessage == "radius 1000 m is wider than this key allows (250 m)")

            // One type only, and the limit.
            let typed = try await HTTP.get("/v1/matches?lat=41.8057634&long=-87.6697567&service_code=GRAF&limit=1", port: port, key: TestKeys.intake)
            #expect((typed.json["matches"] as? [[String: Any]])?.map { $0["service_request_id"] as? String } == [graffiti])

            for (query, status, message) in [
                ("", 400, "say where: lat and long, or address, e.g. /v1/matches?address=1200 W 63rd St&service_code=PHF"),
                ("lat=41.8", 400, "lat and long go together: send both or neither"),
                ("lat=41.8&long=-87.6&limit=0", 400, "limit must be 1 to 100"),
                ("address=Nowhere+Blvd", 422, "Nowhere Blvd could not be placed precisely enough (a street alone is not a spot); send lat and long"),
                ("lat=40.0&long=-87.6", 422, "40.0, -87.6 is outside the city (in no ward)"),
            ] {
                let reply = try await HTTP.get("/v1/matches?\(query)", port: port, key: TestKeys.intake)
                #expect(reply.status == status, "\(query)")
                #expect(reply.errorMessage == message)
            }
        }
    }

    /// Two open cases of one type at one spot: a new report would merge into one of them only,
    /// the one intake would choose, and only that one is marked.
    @Test func onlyTheParentIntakeWouldChooseIsMarked() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            func post(_ json: String) async throws -> String { try await Self.intake(json, port: port) }
            let first = try await post(#"{"service_code": "GRAF", "lat": 41.80612, "long": -87.66976}"#)
            let second = try await post(#"{"service_code": "GRAF", "lat": 41.80615, "long": -87.66976}"#)  // about 3 m north
            // Staff split the repeat off: two open graffiti cases 3 m apart, both within the rule.
            let split = try await HTTP.send("POST", "/v1/cases/\(second)/unmerge", port: port, body: nil, key: TestKeys.intake)
            #expect(split.status == 200, "\(split.text)")
            let reply = try await HTTP.get("/v1/matches?lat=41.80615&long=-87.66976&service_code=GRAF", port: port, key: TestKeys.intake)
            let matches = try #require(reply.json["matches"] as? [[String: Any]])
            let ours = matches.filter { [first, second].contains($0["service_request_id"] as? String ?? "") }
            #expect(ours.count == 2)
            // At the second's spot, it is the better match (0 m against 3 m).
            #expect(ours.filter { $0["would_merge"] as? Bool == true }.map { $0["service_request_id"] as? String } == [second])
            #expect(matches.first?["service_request_id"] as? String == second)
        }
    }

    /// With the cases in memory, matches are read there: a request this server has just taken
    /// is seen at once, and a case another instance closed (here, PostgreSQL written directly)
    /// drops out within a few seconds, as from a streaming replica.
    @Test func matchesFromMemorySeeOwnWritesAtOnceAndOthersSoon() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let loaded = try await TestServer.casesInMemory(port: port)
            #expect(loaded != nil, "the cases were loaded")
            func seen() async throws -> [String] {
                let reply = try await HTTP.get("/v1/matches?lat=41.80612&long=-87.66976&radius=100", port: port, key: TestKeys.intake)
                #expect(reply.status == 200)
                return (reply.json["matches"] as? [[String: Any]] ?? []).compactMap { $0["service_request_id"] as? String }
            }
            let before = try await seen()
            let graffiti = try await Self.intake(#"{"service_code": "GRAF", "lat": 41.80612, "long": -87.66976}"#, port: port)
            let after = try await seen()
            #expect(after.first == graffiti, "its own write, at once and first (0 m)")
            #expect(Set(after) == Set(before + [graffiti]))

            try await db.client.query("""
                UPDATE service_requests SET status = 'closed', closed_at = now(), ever_closed = true WHERE service_request_id = \(graffiti)
                """, logger: db.logger)
            var gone = false
            for _ in 0..<50 where !gone {
                gone = try await !seen().contains(graffiti)
                if !gone { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(gone, "closed elsewhere: gone within 5 s")
            #expect(Set(try await seen()) == Set(before))
        }
    }
}

@Suite struct ClusterTests {
    @Test func hotspotsAreAGeoJSONFeatureCollectionOfTheCitysPoints() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let reply = try await HTTP.get("/v1/clusters?start_date=2021-01-01&end_date=2021-01-01&eps=150&min_points=3", port: port,
                                           key: TestKeys.planner)
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type")?.hasPrefix("application/geo+json") == true)
            #expect(reply.json["type"] as? String == "FeatureCollection")
            let metadata = try #require(reply.json["metadata"] as? [String: Any])
            // Every request of the day with a precise point, of a type about a place (the call
            // centre's information calls and airport noise are not hotspots).
            var expected = -1
            for try await n in try await db.client.query("""
                SELECT count(*)::int FROM service_requests r JOIN service_types t USING (service_code)
                WHERE t.about_a_spot AND r.x_m IS NOT NULL AND r.parent_request_id IS NULL
                """, logger: db.logger).decode(Int.self) { expected = n }
            #expect(metadata["points"] as? Int == expected)
            #expect(expected > 500)
            let features = try #require(reply.json["features"] as? [[String: Any]])
            #expect(features.count == metadata["clusters"] as? Int)
            #expect(!features.isEmpty)
            let counts = features.compactMap { ($0["properties"] as? [String: Any])?["count"] as? Int }
            #expect(counts == counts.sorted(by: >) && counts.allSatisfy { $0 >= 3 })
            #expect((counts.reduce(0, +) + (metadata["noise"] as? Int ?? 0)) == expected)
            for feature in features {
                let properties = try #require(feature["properties"] as? [String: Any])
                let top = try #require(properties["top_types"] as? [[String: Any]])
                #expect(!top.contains { ["311IOC", "AVN"].contains($0["service_code"] as? String ?? "") })
                let geometry = try #require(feature["geometry"] as? [String: Any])
                if geometry["type"] as? String == "Polygon" {
                    let ring = try #require((geometry["coordinates"] as? [[[Double]]])?.first)
                    #expect(ring.count >= 4 && ring.first == ring.last)
                }
            }

            // With members=true each cluster names its requests: as many as its count, none twice.
            let listed = try await HTTP.get("/v1/clusters?start_date=2021-01-01&end_date=2021-01-01&eps=150&min_points=3&members=true",
                                            port: port, key: TestKeys.planner)
            let listedFeatures = try #require(listed.json["features"] as? [[String: Any]])
            #expect(listedFeatures.count == features.count)
            var everyID = Set<String>()
            for feature in listedFeatures {
                let properties = try #require(feature["properties"] as? [String: Any])
                let ids = try #require(properties["service_request_ids"] as? [String])
                #expect(ids.count == properties["count"] as? Int)
                everyID.formUnion(ids)
            }
            #expect(everyID.count == counts.reduce(0, +))
            #expect(features.allSatisfy { ($0["properties"] as? [String: Any])?["service_request_ids"] == nil })

            // Filters: one type, a smaller min_points gives at least as many clusters.
            let lights = try await HTTP.get("/v1/clusters?start_date=2021-01-01&end_date=2021-01-01&service_code=SFD&eps=300&min_points=2",
                                            port: port, key: TestKeys.planner)
            let lightFeatures = try #require(lights.json["features"] as? [[String: Any]])
            #expect(lightFeatures.allSatisfy {
                (($0["properties"] as? [String: Any])?["top_types"] as? [[String: Any]])?.map { $0["service_code"] as? String } == ["SFD"]
            })
            // "closed" is the group (closed and canceled), as in Open311.
            var closedExpected = -1
            for try await n in try await db.client.query("""
                SELECT count(*)::int FROM service_requests r JOIN service_types t USING (service_code)
                WHERE t.about_a_spot AND r.x_m IS NOT NULL AND r.parent_request_id IS NULL AND r.status IN ('closed', 'canceled')
                """, logger: db.logger).decode(Int.self) { closedExpected = n }
            let closed = try await HTTP.get("/v1/clusters?start_date=2021-01-01&end_date=2021-01-01&status=closed", port: port, key: TestKeys.planner)
            #expect((closed.json["metadata"] as? [String: Any])?["points"] as? Int == closedExpected)
            let ward = try await HTTP.get("/v1/clusters?start_date=2021-01-01&end_date=2021-01-01&ward=15&ward_set=chicago-2015&min_points=2",
                                          port: port, key: TestKeys.planner)
            #expect(ward.status == 200)
            #expect(((ward.json["metadata"] as? [String: Any])?["points"] as? Int ?? 9_999) < expected)

            for (query, key, status) in [
                ("eps=0", TestKeys.planner, 400), ("eps=5000", TestKeys.planner, 400), ("min_points=1", TestKeys.planner, 400),
                ("start_date=soon", TestKeys.planner, 400), ("status=lost", TestKeys.planner, 400),
                ("ward=15&ward_set=chicago-1900", TestKeys.planner, 404),
                ("", TestKeys.public, 403), ("", TestKeys.intake, 403), ("", nil, 401),
            ] as [(String, String?, Int)] {
                #expect(try await HTTP.get("/v1/clusters?\(query)", port: port, key: key).status == status, "\(query) \(key ?? "none")")
            }
        }
    }
}
