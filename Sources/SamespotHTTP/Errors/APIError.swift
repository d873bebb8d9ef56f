import Foundation
import Hummingbird

/// An error the API answers with: an HTTP status and a message a person can act on, in
/// Samespot's error format `{"error": {"status": 400, "message": "…"}}`.
///
/// Messages never carry a resident's personal data: they name fields, not their values.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    public static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, message) }
    public static func forbidden(_ message: String) -> APIError { APIError(.forbidden, message) }
    public static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
    public static func conflict(_ message: String) -> APIError { APIError(.conflict, message) }
    public static func unprocessable(_ message: String) -> APIError { APIError(.unprocessableContent, message) }

    public var description: String { "\(status.code) \(message)" }

    private struct Body: Encodable {
        struct Detail: Encodable { var status: Int; var message: String }
        var error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(error: .init(status: status.code, message: message))
        let data = try JSONEncoder().encode(body)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = #"Bearer realm="samespot""# }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
