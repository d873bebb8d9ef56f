import Foundation
import SamespotTestSupport
import Testing

/// Coordinates that are not numbers, not finite, out of range or far outside the city, at every
/// endpoint that takes them: a 400 or 422 that names the field, never a 5xx, and nothing stored.
@Suite struct BadCoordinateTests {
    static let bad: [(lat: String, long: String)] = [
        ("NaN", "-87.6"), ("41.8", "nan"), ("Infinity", "-87.6"), ("41.8", "-inf"), ("1e999", "-87.6"),
        ("95", "-87.6"), ("41.8", "-187"), ("", "-87.6"), ("forty-one", "-87.6"), ("0", "0"),
    ]

    @Test func badCoordinatesGetAClearErrorAndStoreNothing() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let before = try await IdempotencyTests.count(db)
            for (lat, long) in Self.bad {
                let what = "lat=\(lat) long=\(long)"
                // JSON intake: as a number where JSON allows it, else as a string.
                let latJSON = Double(lat).map { $0.isFinite ? lat : "\"\(lat)\"" } ?? "\"\(lat)\""
                let longJSON = Double(long).map { $0.isFinite ? long : "\"\(long)\"" } ?? "\"\(long)\""
                let intake = try await HTTP.send("POST", "/v1/requests", port: port,
                                                 body: #"{"service_code": "GRAF", "lat": \#(latJSON), "long": \#(longJSON)}"#, key: TestKeys.intake)
                #expect([400, 422].contains(intake.status) && intake.errorMessage?.isEmpty == false, "intake \(what): \(intake.status) \(intake.text.prefix(160))")

                let form = try await HTTP.form("/open311/v2/requests.json",
                                               [("api_key", TestKeys.public), ("service_code", "GRAF"), ("lat", lat), ("long", long)], port: port)
                #expect([400, 422].contains(form.status) && form.open311Error?.description.isEmpty == false, "open311 \(what): \(form.status) \(form.text.prefix(160))")

                let query = "lat=\(HTTP.encode(lat))&long=\(HTTP.encode(long))"
                for path in ["/v1/matches?\(query)", "/v1/reverse?\(query)"] {
                    let reply = try await HTTP.get(path, port: port, key: TestKeys.admin)
                    #expect(reply.status < 500 && (reply.status < 300 || reply.errorMessage?.isEmpty == false), "\(path): \(reply.status) \(reply.text.prefix(160))")
                    // Far outside the city is a fair question with an empty answer; the rest are not questions.
                    if lat != "0" { #expect((400..<500).contains(reply.status), "\(path): \(reply.status)") }
                }
            }
            #expect(try await IdempotencyTests.count(db) == before, "a request with bad coordinates was stored")
        }
    }
}
