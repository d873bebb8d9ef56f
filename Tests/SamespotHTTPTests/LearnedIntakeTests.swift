import Foundation
import PostgresNIO
import SamespotCore
import SamespotStore
import SamespotTestSupport
import Testing

/// The learned scorer at intake, over the real server: with a model in force, it picks the
/// parent and its reasons are answered and kept with the merge; a type whose rule staff set by
/// hand keeps its rule.
@Suite struct LearnedIntakeTests {
    /// Stores a model fitted on the synthetic history and puts it in force; PHF's rule is set by hand.
    static func prepare(_ db: Database) async throws {
        try await DedupModelStore(database: db).save(SyntheticDedupHistory.model(), summary: "synthetic", actor: "test", activate: true)
        try await RuleStore(database: db).save(DedupRule(serviceCode: "PHF", radiusMetres: 50, windowDays: 7, matchUnit: .distance), actor: "staff")
    }

    static func addressPoint(_ db: Database, offset: Int) async throws -> (longitude: Double, latitude: Double) {
        for try await point in try await db.client.query(
            "SELECT longitude, latitude FROM address_points ORDER BY address_id OFFSET \(offset) LIMIT 1",
            logger: db.logger).decode((Double, Double).self) { return point }
        throw StoreError.notFound("no address point")
    }

    @Test func theModelPicksTheParentAndItsReasonsAreKept() async throws {
        try await TestServer.withSampleCityCopy(prepare: Self.prepare) { port, db in
            let spot = try await Self.addressPoint(db, offset: 500)
            let at = #""lat": \#(spot.latitude), "long": \#(spot.longitude)"#
            let (s1, first) = try await IntakeTests.post(#"{"service_code": "SFD", \#(at)}"#, port: port)
            #expect(s1 == 201)
            #expect(first["duplicate"] as? Bool == false)
            // "Already reported" asks the same chooser over the type's open cases together: the
            // one case it would merge into is the one intake then merges into.
            let preview = try await HTTP.get("/v1/matches?service_code=SFD&lat=\(spot.latitude)&long=\(spot.longitude)",
                                             port: port, key: TestKeys.intake)
            let merging = (preview.json["matches"] as? [[String: Any]] ?? []).filter { $0["would_merge"] as? Bool == true }
            #expect(merging.map { $0["service_request_id"] as? String } == [first["service_request_id"] as? String])
            let (s2, second) = try await IntakeTests.post(#"{"service_code": "SFD", \#(at), "description": "dark again"}"#, port: port)
            #expect(s2 == 201)
            #expect(second["duplicate"] as? Bool == true)
            #expect(second["parent_service_request_id"] as? String == first["service_request_id"] as? String)
            let decision = try #require(second["decision"] as? [String: Any])
            let model = try #require(decision["model"] as? [String: Any], "the model decided SFD: \(decision)")
            let probability = try #require(model["probability"] as? Double)
            let threshold = try #require(model["threshold"] as? Double)
            #expect(probability >= threshold && probability > 0.5)
            #expect(decision["score"] as? Double == probability)
            // The reasons add up to the probability, and the strongest come first.
            let reasons = try #require(model["reasons"] as? [[String: Any]])
            #expect(reasons.count == DedupFeature.count)
            let parts = reasons.compactMap { $0["log_odds"] as? Double }
            let logOdds = try #require(model["base_log_odds"] as? Double) + parts.reduce(0, +)
            #expect(abs(1 / (1 + exp(-logOdds)) - probability) < 1e-9)
            #expect(parts.map(abs) == parts.map(abs).sorted(by: >))
            let distance = try #require(reasons.first { $0["feature"] as? String == "distanceMetres" }?["value"] as? Double)
            #expect(distance < 0.01)
            // The model's search limits are the rule the answer names.
            let rule = try #require(decision["rule"] as? [String: Any])
            let limits = SyntheticDedupHistory.model().limits
            #expect(rule["radius_m"] as? Double == limits.radiusMetres)

            // Kept with the merge: the case shows the same reasons.
            let tracking = try #require(second["service_request_id"] as? String)
            let (s3, record) = try await IntakeTests.send("GET", "/v1/cases/\(tracking)", port: port)
            #expect(s3 == 200)
            let decisions = try #require(record["decisions"] as? [[String: Any]])
            let kept = try #require(decisions.first?["model"] as? [String: Any])
            #expect(kept["probability"] as? Double == probability)

            // 400 m east: beyond every candidate the model looks at, a case of its own.
            let (_, far) = try await IntakeTests.post(
                #"{"service_code": "SFD", "lat": \#(spot.latitude), "long": \#(spot.longitude + 0.0048)}"#, port: port)
            #expect(far["duplicate"] as? Bool == false)

            // PHF's rule was set by hand: the rule decides, and says so.
            let (_, pothole) = try await IntakeTests.post(#"{"service_code": "PHF", \#(at)}"#, port: port)
            #expect(pothole["duplicate"] as? Bool == false)
            let (_, again) = try await IntakeTests.post(#"{"service_code": "PHF", \#(at)}"#, port: port)
            #expect(again["duplicate"] as? Bool == true)
            let ruled = try #require(again["decision"] as? [String: Any])
            #expect(ruled["model"] == nil)
            #expect((ruled["rule"] as? [String: Any])?["radius_m"] as? Double == 50)

            // Stored: the explanation column holds the model's merge and only it.
            for try await (explained, total) in try await db.client.query(
                "SELECT count(explanation)::int, count(*)::int FROM dedup_decisions WHERE kind = 'engine'", logger: db.logger).decode((Int, Int).self) {
                #expect(explained == 1 && total == 2)
            }
        }
    }
}
