import HTTPTypes
import Hummingbird
import SamespotCore

/// The `Idempotency-Key` header of a POST (IETF draft "The Idempotency-Key HTTP Header Field"):
/// a client that retries sends the same key, and gets the same answer without a second case.
enum IdempotencyKeyHeader {
    static let name = HTTPField.Name("Idempotency-Key")!
    /// Set on an answer that repeats an earlier one.
    static let replayed = HTTPField.Name("Idempotent-Replayed")!
    static let maxLength = 255

    /// The key and whose it is (the caller's API key, so two callers' keys never meet); nil
    /// when none was sent.
    static func read(_ request: Request, principal: Principal) throws -> (scope: String, key: String)? {
        guard let raw = request.headers[name] else { return nil }
        let key = raw.trimmingASCIIWhitespace()
        guard !key.isEmpty, key.count <= maxLength, key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E }) else {
            throw APIError.badRequest("Idempotency-Key must be 1 to \(maxLength) visible ASCII characters (a UUID is usual)")
        }
        return (principal.keyID.map { "key\($0)" } ?? "anonymous", key)
    }

    /// Marks an answer that repeats the first one for its key.
    static func mark(_ response: inout Response, replayed: Bool) {
        if replayed { response.headers[Self.replayed] = "true" }
    }
}
