import Foundation
import Hummingbird
import HummingbirdTesting
import SamespotTestSupport
import Testing

@Suite struct GeocodeRoutesTests {
    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    static func errorMessage(_ buffer: ByteBuffer) throws -> String {
        let body = try json(buffer)
        let error = try #require(body["error"] as? [String: Any])
        return try #require(error["message"] as? String)
    }

    @Test func geocodeAnswersWithPointPrecisionWardAndBlock() async throws {
        try await TestServer.withSampleCity { client in
            try await client.execute(uri: "/v1/geocode?address=4853%20s.%20wood%20street%20apt%202", method: .get) { response in
                #expect(response.status == .ok)
                let body = try Self.json(response.body)
                #expect(body["matched"] as? String == "4853 S WOOD ST")
                #expect(body["precision"] as? String == "address_point")
                #expect(body["block"] as? String == "4800 S WOOD ST")
                #expect(body["ward"] as? String == "15")
                #expect(body["ward_set"] as? String == "chicago-2023")
            }
            // "+" in a query is a space; "%26" an ampersand.
            try await client.execute(uri: "/v1/geocode?address=W+Madison+St+%26+N+State+St", method: .get) { response in
                let body = try Self.json(response.body)
                #expect(body["method"] as? String == "intersection")
            }
        }
    }

    @Test func badAddressesGetFourHundredWithAReason() async throws {
        try await TestServer.withSampleCity { client in
            let long = String(repeating: "A", count: 5_000)
            let cases: [(String, String)] = [
                ("/v1/geocode", "the query parameter address is required, e.g. /v1/geocode?address=1200 W 63rd St"),
                ("/v1/geocode?address=", "address is empty"),
                ("/v1/geocode?address=\(long)", "address is 5000 characters; at most 500"),
                ("/v1/geocode?address=12%20Main%0ASt", "address contains control characters (line breaks, tabs, …); send the address on one line"),
            ]
            for (uri, message) in cases {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                    let text = try Self.errorMessage(response.body)
                    #expect(text == message)
                }
            }
        }
    }

    @Test func batchGeocodesEachAndReportsBadOnesInPlace() async throws {
        try await TestServer.withSampleCity { client in
            let body = ByteBuffer(string: #"{"addresses": ["4853 S WOOD ST", "", "2111 W Lexingtn St"]}"#)
            try await client.execute(uri: "/v1/geocode", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(TestKeys.planner)"], body: body) { response in
                #expect(response.status == .ok)
                let answer = try Self.json(response.body)
                let results = try #require(answer["results"] as? [[String: Any]])
                #expect(results.count == 3)
                #expect(results[0]["matched"] as? String == "4853 S WOOD ST")
                #expect(results[1]["error"] as? String == "address is empty")
                #expect(results[2]["matched"] as? String == "2111 W LEXINGTON ST")
            }
            try await client.execute(uri: "/v1/geocode", method: .post, headers: [.authorization: "Bearer \(TestKeys.planner)"], body: ByteBuffer(string: "not json")) { response in
                #expect(response.status == .badRequest)
            }
            let tooMany = "{\"addresses\": [" + Array(repeating: "\"1 N STATE ST\"", count: 10_001).joined(separator: ",") + "]}"
            try await client.execute(uri: "/v1/geocode", method: .post, headers: [.authorization: "Bearer \(TestKeys.planner)"], body: ByteBuffer(string: tooMany)) { response in
                #expect(response.status == .contentTooLarge)
                let text = try Self.errorMessage(response.body)
                #expect(text == "10001 addresses sent; at most 10000 per request")
            }
        }
    }

    @Test func reverseFindsNearestAddressAndRefusesPointsOutsideTheCity() async throws {
        try await TestServer.withSampleCity { client in
            try await client.execute(uri: "/v1/reverse?lat=41.8718&long=-87.6798", method: .get) { response in
                #expect(response.status == .ok)
                let body = try Self.json(response.body)
                let nearest = try #require(body["nearest"] as? [String: Any])
                #expect(nearest["address"] as? String == "2111 W LEXINGTON ST")
                #expect(body["ward"] as? String == "28")
            }
            try await client.execute(uri: "/v1/reverse?lat=40.0&long=-87.6798", method: .get) { response in
                #expect(response.status == .unprocessableContent)
                let text = try Self.errorMessage(response.body)
                #expect(text.contains("is outside the city"))
            }
            for uri in ["/v1/reverse?lat=abc&long=-87.6", "/v1/reverse?lat=95&long=-87.6", "/v1/reverse?lat=41.8"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                }
            }
        }
    }
}
