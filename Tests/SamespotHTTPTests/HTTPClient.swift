import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
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

/// A real HTTP client on loopback (AsyncHTTPClient), as an app or a browser would call the server.
enum HTTP {
    /// - Parameter key: sent as `Authorization: Bearer`; nil sends none.
    static func send(_ method: String, _ path: String, port: Int, body: String? = nil, contentType: String? = "application/json",
                     key: String? = TestKeys.admin, headers: [String: String] = [:]) async throws -> Reply {
        try await send(method, path, port: port, bytes: body.map { Data($0.utf8) }, contentType: contentType, key: key, headers: headers)
    }

    /// As `send`, with a body of bytes (a photo in a multipart post).
    static func send(_ method: String, _ path: String, port: Int, bytes body: Data?, contentType: String?,
                     key: String? = TestKeys.admin, headers: [String: String] = [:]) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = HTTPMethod(rawValue: method)
        // What a browser or URLSession sends when the caller says nothing else.
        request.headers.add(name: "Accept", value: "*/*")
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            if let contentType { request.headers.replaceOrAdd(name: "Content-Type", value: contentType) }
        }
        if let key { request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        let response = try await client.execute(request, timeout: .seconds(120))
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        var fields: [String: String] = [:]
        for header in response.headers {
            fields[header.name] = fields[header.name].map { "\($0), \(header.value)" } ?? header.value
        }
        return Reply(status: Int(response.status.code), headers: fields, data: data)
    }

    /// The tests' one HTTP client. AsyncHTTPClient, not Foundation's URLSession: a deadline per
    /// request (`send`'s 120 s) and per wait for a pooled connection, both set here, so a lost
    /// answer fails its test by name.
    /// The connect timeout is also how long a request may wait for one of the pool's 8
    /// connections to a server: at 10 s, requests queued behind 200 concurrent posts on a busy
    /// machine gave up, and their test threw while the rest were still being answered (see `all`).
    /// Pooled connections are dropped after 10 s idle, before the server's own 30 s idle close,
    /// so a request is never written onto a connection the server is closing.
    private static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: .init(redirectConfiguration: .follow(max: 5, allowCycles: false),
                             timeout: .init(connect: .seconds(120), read: .seconds(120)),
                             connectionPool: .init(idleTimeout: .seconds(10)),
                             decompression: .enabled(limit: .ratio(25))))

    /// `count` requests at once (`request(i)`), each awaited to its end, in order. One that fails
    /// in the client (no answer by its deadline, say) comes back as status 0 with the error as
    /// its text, so the test's expectations fail on it. Thrown instead, it would leave the
    /// server's `test(.live)` closure while the other requests were still being answered, and
    /// HummingbirdTesting then cancels the server under them: that hung full runs (their
    /// handlers never ended), and a scratch test doing it on purpose crashed ("Deinited
    /// NIOAsyncWriter without calling finish()").
    static func all(_ count: Int, _ request: @escaping @Sendable (Int) async throws -> Reply) async -> [Reply] {
        await withTaskGroup(of: (Int, Reply).self) { group in
            for i in 0..<count {
                group.addTask {
                    do { return (i, try await request(i)) } catch {
                        return (i, Reply(status: 0, headers: [:], data: Data("request \(i) failed in the client: \(error)".utf8)))
                    }
                }
            }
            var replies = [Reply?](repeating: nil, count: count)
            for await (i, reply) in group { replies[i] = reply }
            return replies.compactMap { $0 }
        }
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
