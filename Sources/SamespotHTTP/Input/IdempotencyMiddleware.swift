import HTTPTypes
import Hummingbird
import NIOCore
import SamespotCore
import SamespotStore

/// `Idempotency-Key` on the POSTs that change a case or the organisation (notes, status
/// changes, merges, assignments, documents, …): the first request with a key runs and its
/// answer is kept a day; a retry with the key gets that answer again (`Idempotent-Replayed:
/// true`) and changes nothing; a copy that races the first, on any instance, gets 409 with
/// `Retry-After: 1` and then the answer; the key with another request is 409. A request that
/// fails frees its key, so the caller may correct it and try again.
///
/// Intake (`POST /v1/requests`, joins, Open311 posts) keeps its key on the case, written in
/// the case's own transaction, so it is not handled here. Here the change and the stored answer
/// are two transactions: if the process dies between them (one statement's time), the claim is
/// taken over after a minute and a retry runs the change again. `POST /v1/geocode` changes
/// nothing and needs no key.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = SamespotRequestContext
    let store: IdempotentPostStore
    /// The largest body a keyed request may have (the largest a route takes: a document).
    let maxBodyBytes: Int

    /// Intake keeps its own keys; a batch geocode changes nothing.
    static func handledElsewhere(_ path: String) -> Bool {
        path == "/v1/requests" || path == "/v1/geocode" || (path.hasPrefix("/v1/cases/") && path.hasSuffix("/join"))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.method == .post, path.hasPrefix("/v1/"), request.headers[IdempotencyKeyHeader.name] != nil,
              !Self.handledElsewhere(path),
              case .key(let principal) = context.caller else {
            return try await next(request, context)
        }
        guard let (scope, key) = try IdempotencyKeyHeader.read(request, principal: principal) else { return try await next(request, context) }
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: maxBodyBytes) } catch {
            throw APIError(.contentTooLarge, "the body is larger than \(maxBodyBytes >> 20) MiB")
        }
        let scopeKey = "\(scope):\(key)"
        let fingerprint = IdempotentPostStore.fingerprint(method: "POST", path: request.uri.description, body: Array(buffer: body))
        switch try await store.claim(scopeKey, fingerprint: fingerprint) {
        case .answered(let earlier):
            return Self.replay(earlier)
        case .inProgress:
            throw RetryLater(inner: APIError.conflict("a request with this Idempotency-Key is being answered now; "
                                                      + "try again in a second for its answer"), seconds: 1)
        case .usedForAnother:
            throw APIError.conflict("this Idempotency-Key was already used for another request; send a new key for a new request")
        case .claimed:
            break
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            try? await store.release(scopeKey)
            throw error
        }
        guard (200..<300).contains(response.status.code) else {
            try? await store.release(scopeKey)
            return response
        }
        // The answer is read whole (these answers are small JSON documents) to be kept.
        let collector = BodyCollector()
        try await response.body.write(collector)
        let bytes = collector.bytes
        let answer = IdempotentPostStore.StoredAnswer(status: Int(response.status.code), contentType: response.headers[.contentType],
                                                      body: bytes)
        // The change is made: if its answer cannot be kept, the caller still gets it.
        try? await store.finish(scopeKey, answer: answer)
        var kept = response
        kept.body = ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        return kept
    }

    static func replay(_ answer: IdempotentPostStore.StoredAnswer) -> Response {
        var headers = HTTPFields()
        if let type = answer.contentType { headers[.contentType] = type }
        var response = Response(status: .init(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
        IdempotencyKeyHeader.mark(&response, replayed: true)
        return response
    }
}

/// Reads a response's body into memory.
private final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {
    // Written by one task, in order, then read once it has finished.
    private(set) var bytes: [UInt8] = []
    func write(_ buffer: ByteBuffer) async throws { bytes.append(contentsOf: buffer.readableBytesView) }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
