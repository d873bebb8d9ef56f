import Foundation
import SamespotCore
import SamespotHTTP
import SamespotTestSupport
import Testing

/// Every operation in the OpenAPI document, called by each role, without a key, and with a
/// revoked key. The document says what each operation needs (`x-permission`, one of
/// `Permission`) and whether it may be called without a key (`security` holding `{}`); the
/// roles that may call it follow from `Role.permissions`, the one matrix of who may do what.
/// So a route that forgets its check, checks the wrong permission, or reads its body before
/// the caller's rights fails here, and so does a document that says otherwise.
///
/// Bodies are empty JSON objects (or an empty form, or one byte): an allowed caller then gets
/// past the door and is refused for the body (400/422) or finds nothing (404), which writes
/// nothing; a refused caller must get 401/403 before its body is read.
@Suite struct RoleMatrixTests {
    struct Operation: CustomStringConvertible {
        var method: String
        var path: String
        /// nil: the operation needs nothing (health, metrics, the document itself).
        var permission: Permission?
        var keyless: Bool
        var contentType: String?
        var description: String { "\(method) \(path)" }
        var isOpen311: Bool { path.hasPrefix("/open311/") }
    }

    @Test func everyDocumentedOperationLetsInExactlyTheRolesItNames() async throws {
        let unlimited = LimitSettings(publicKeyRatePerSecond: 0, staffKeyRatePerSecond: 0)
        try await TestServer.withSampleCityCopy(limits: unlimited) { port, _ in
            let operations = try Self.operations(in: try await HTTP.get("/openapi.json", port: port, key: nil).json)
            #expect(operations.count >= 70, "the document lists \(operations.count) operations")
            for operation in operations {
                let path = Self.concrete(operation.path)
                let body: String? = operation.method == "GET" ? nil : Self.emptyBody(operation.contentType)
                func call(_ key: String?) async throws -> Reply {
                    try await HTTP.send(operation.method, path, port: port, body: body, contentType: operation.contentType, key: key)
                }
                for role in Role.allCases {
                    let reply = try await call(TestKeys.key(for: role))
                    if operation.permission.map(role.permissions.contains) ?? true {
                        #expect(![401, 403].contains(reply.status) && reply.status < 500,
                                "\(role) \(operation): \(reply.status) \(reply.text.prefix(160))")
                    } else {
                        #expect(reply.status == 403 && reply.errorMessage?.contains("may not") == true,
                                "\(role) \(operation): \(reply.status) \(reply.text.prefix(160))")
                    }
                }
                try Self.checkWithoutKey(operation, try await call(nil))
                try Self.checkWrongKey(operation, try await call(TestKeys.revoked))
                try Self.checkWrongKey(operation, try await call("ssk_not_a_key"))
            }
            // The X-API-Key header works as well as Authorization.
            let header = try await HTTP.send("GET", "/v1/wards/summary", port: port, key: nil, headers: ["X-API-Key": TestKeys.planner])
            #expect(header.status == 200)
        }
    }

    static func checkWithoutKey(_ operation: Operation, _ reply: Reply) throws {
        if operation.keyless {
            #expect(![401, 403].contains(reply.status) && reply.status < 500, "anonymous \(operation): \(reply.status)")
        } else if operation.isOpen311 {
            // GeoReport's convention: the api_key is a form field, and its absence is a 403.
            #expect(reply.status == 403 && Self.open311Error(reply).contains("api_key is required"),
                    "anonymous \(operation): \(reply.status) \(reply.text.prefix(160))")
        } else {
            #expect(reply.status == 401, "anonymous \(operation): \(reply.status)")
            #expect(reply.header("WWW-Authenticate") == #"Bearer realm="samespot""#)
            #expect(reply.errorMessage == #"this endpoint needs an API key: send it as "Authorization: Bearer <key>""#)
        }
    }

    /// A key that is wrong is refused even where none is needed (the caller should know), except
    /// by the operations that read no key at all.
    static func checkWrongKey(_ operation: Operation, _ reply: Reply) throws {
        if operation.permission == nil {
            #expect(reply.status == 200, "wrong key \(operation): \(reply.status)")
        } else if operation.isOpen311 {
            #expect(reply.status == 403 && Self.open311Error(reply).contains("not valid or has been revoked"),
                    "wrong key \(operation): \(reply.status) \(reply.text.prefix(160))")
        } else {
            #expect(reply.status == 401 && reply.errorMessage == "the API key is not valid or has been revoked",
                    "wrong key \(operation): \(reply.status) \(reply.text.prefix(160))")
        }
    }

    /// An Open311 error's description, from the JSON or the XML form.
    static func open311Error(_ reply: Reply) -> String {
        reply.open311Error?.description ?? reply.text.firstMatch(of: /<description>([^<]*)<\/description>/).map { String($0.1) } ?? ""
    }

    static func operations(in document: [String: Any]) throws -> [Operation] {
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var found: [Operation] = []
        for (path, entries) in paths.sorted(by: { $0.key < $1.key }) {
            for (method, value) in entries.sorted(by: { $0.key < $1.key }) where ["get", "post", "put", "patch", "delete"].contains(method) {
                let entry = try #require(value as? [String: Any])
                let name = entry["x-permission"] as? String
                let permission = try name.map { try #require(Permission(rawValue: $0), "\(method) \(path): unknown x-permission \($0)") }
                let security = entry["security"] as? [[String: Any]] ?? []
                let content = ((entry["requestBody"] as? [String: Any])?["content"] as? [String: Any])?.keys.sorted() ?? []
                let contentType = content.contains("application/x-www-form-urlencoded") ? "application/x-www-form-urlencoded"
                    : content.contains("application/json") ? "application/json" : content.first
                // GeoReport's POST takes its key as the api_key form field, which OpenAPI's
                // `security` cannot say: there `{}` means "no header needed", not "no key".
                let keyless = permission != .submitOpen311 && (security.isEmpty || security.contains { $0.isEmpty })
                found.append(Operation(method: method.uppercased(), path: path, permission: permission, keyless: keyless, contentType: contentType))
                // Only the three operations outside the API may go without a permission.
                if permission == nil { #expect(["/healthz", "/metrics", "/openapi.json"].contains(path), "\(method) \(path) has no x-permission") }
            }
        }
        return found
    }

    /// The path with its parameters filled: a case, a ward and a type the sample city has, so an
    /// allowed caller reaches the handler's own checks.
    static func concrete(_ path: String) -> String {
        let caseID = path.hasPrefix("/v1/staff/") ? "1" : "SR21-00000001"
        return path.replacingOccurrences(of: "{id}", with: caseID).replacingOccurrences(of: "{ward}", with: TestKeys.wardOfficeWards[1])
            .replacingOccurrences(of: "{code}", with: "GRAF").replacingOccurrences(of: "{token}", with: "x")
            .replacingOccurrences(of: "{document}", with: "1").replacingOccurrences(of: "{kind}", with: "acknowledgement")
    }

    static func emptyBody(_ contentType: String?) -> String {
        switch contentType {
        case "application/json": return "{}"
        case "application/x-www-form-urlencoded": return "service_code=GRAF"
        default: return "x"
        }
    }
}
