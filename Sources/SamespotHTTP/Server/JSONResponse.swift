import Foundation
import Hummingbird

/// JSON answers in the API's one style: snake_case keys, ISO 8601 dates with a zone.
enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// For the hot answers (matches, intake), whose types spell their keys in snake_case
    /// themselves: converting every key of every answer cost a tenth of the server's CPU.
    static let literalKeysEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func encode(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        try make(encoder.encode(value), status: status)
    }

    static func encode(literalKeys value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        try make(literalKeysEncoder.encode(value), status: status)
    }

    private static func make(_ data: Data, status: HTTPResponse.Status) throws -> Response {
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
