import Foundation
import Hummingbird

/// JSON bodies of Samespot's own endpoints: snake_case keys, a size limit, and a 400 that shows
/// what a body should look like.
enum JSONBody {
    static func decode<T: Decodable>(_ request: Request, limit: Int, example: String) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw APIError(.contentTooLarge, "the body is larger than \(limit / 1024) KiB")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        // No body at all reads as an empty object: every field of some bodies is optional.
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer: buffer)
        do { return try decoder.decode(T.self, from: data) } catch {
            throw APIError.badRequest("the body must be JSON like \(example)")
        }
    }
}
