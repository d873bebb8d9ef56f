import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SamespotTestSupport

/// What a server answered, with readers for the API's formats.
struct Reply: @unchecked Sendable {
    var status: Int
    var headers: [String: String]
    var data: Data

    var text: String { String(decoding: data, as: UTF8.self) }
    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any]) ?? [:] }
    /// The body as a JSON array of objects (empty when it is not one).
    var array: [[String: Any]] { ((try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]]) ?? [] }
    /// Samespot's error format: `{"error": {"status", "message"}}`.
    var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
    /// Open311's error format (JSON): `[{"code", "description"}]`.
    var open311Error: (code: Int, description: String)? {
        guard let first = array.first, let code = first["code"] as? Int, let d = first["description"] as? String else { return nil }
        return (code, d)
    }
    func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
}

/// A real HTTP client on loopback (URLSession), as an app or a browser would call the server.
enum HTTP {
    /// - Parameter key: sent as `Authorization: Bearer`; nil sends none.
    static func send(_ method: String, _ path: String, port: Int, body: String? = nil, contentType: String? = "application/json",
                     key: String? = TestKeys.admin, headers: [String: String] = [:]) async throws -> Reply {
        try await send(method, path, port: port, bytes: body.map { Data($0.utf8) }, contentType: contentType, key: key, headers: headers)
    }

    /// As `send`, with a body of bytes (a photo in a multipart post).
    static func send(_ method: String, _ path: String, port: Int, bytes body: Data?, contentType: String?,
                     key: String? = TestKeys.admin, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        }
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] { fields["\(k)"] = "\(v)" }
        return Reply(status: http?.statusCode ?? 0, headers: fields, data: data)
    }

    static func get(_ path: String, port: Int, key: String? = TestKeys.admin) async throws -> Reply {
        try await send("GET", path, port: port, key: key)
    }

    /// An Open311 form post (`application/x-www-form-urlencoded`); the key goes in the form.
    static func form(_ path: String, _ fields: [(String, String)], port: Int) async throws -> Reply {
        let body = fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        return try await send("POST", path, port: port, body: body, contentType: "application/x-www-form-urlencoded", key: nil)
    }

    /// A `multipart/form-data` post as a browser's `FormData` sends it: text fields, then files
    /// (field name, file name, bytes). The key goes in the form, as for `form`.
    static func multipart(_ path: String, _ fields: [(String, String)], files: [(field: String, fileName: String, bytes: [UInt8])] = [],
                          port: Int, headers: [String: String] = [:]) async throws -> Reply {
        let boundary = "----SamespotTestBoundary\(UInt32.random(in: 0...UInt32.max))"
        var body = Data()
        for (name, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for file in files {
            body.append(Data(("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.fileName)\"\r\n"
                              + "Content-Type: application/octet-stream\r\n\r\n").utf8))
            body.append(Data(file.bytes))
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return try await send("POST", path, port: port, bytes: body, contentType: "multipart/form-data; boundary=\(boundary)", key: nil,
                              headers: headers)
    }

    /// Form encoding: unreserved characters as they are, the rest %XX (spaces too).
    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
