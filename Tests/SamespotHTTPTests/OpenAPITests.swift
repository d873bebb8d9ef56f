import Foundation
import SamespotHTTP
import SamespotTestSupport
import Testing

/// The OpenAPI document served at /openapi.json is held to the server: every route it has is
/// documented, every documented operation is a route, and each documented path answers.
@Suite struct OpenAPITests {
    @Test func documentAndRoutesAreTheSame() async throws {
        let registry = RouteRegistry()
        try await TestServer.withSampleCityCopy(registry: registry) { port, _ in
            let reply = try await HTTP.get("/openapi.json", port: port, key: nil)
            #expect(reply.status == 200)
            let document = reply.json
            #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            let routed = Set(registry.routes)
            #expect(routed.subtracting(documented).sorted() == [], "routes missing from openapi.json")
            #expect(documented.subtracting(routed).sorted() == [], "documented operations with no route")

            // Each documented GET answers something other than the router's bare 404 (a route
            // that exists but finds nothing answers 404 with a message in the API's format).
            for entry in documented.sorted() where entry.hasPrefix("GET ") {
                let path = String(entry.dropFirst(4))
                    .replacingOccurrences(of: "{ward}", with: "15").replacingOccurrences(of: "{code}", with: "PHF")
                    .replacingOccurrences(of: "{id}", with: "SR21-00000001").replacingOccurrences(of: "{token}", with: "x")
                let answer = try await HTTP.get(path, port: port, key: TestKeys.admin)
                #expect(answer.status != 404 || !answer.data.isEmpty, "\(path)")
                #expect(answer.status < 500, "\(path): \(answer.status)")
            }
        }
    }
}
