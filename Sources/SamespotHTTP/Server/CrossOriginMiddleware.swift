import HTTPTypes
import Hummingbird

/// CORS by Hummingbird's own middleware, as `CrossOriginPolicy` says: the preflight (`OPTIONS`
/// with an `Origin`) is answered before any key is asked for, and every answer to a page of an
/// allowed origin says so. A page of an origin not on a city's list gets no CORS headers, so its
/// browser keeps the answer from it.
struct CrossOriginMiddleware: RouterMiddleware {
    typealias Context = SamespotRequestContext
    private let cors: CORSMiddleware<Context>
    /// nil: every origin.
    private let allowed: Set<String>?

    static func make(_ policy: CrossOriginPolicy) -> CrossOriginMiddleware? {
        switch policy {
        case .noOrigin: return nil
        case .anyOrigin: return CrossOriginMiddleware(allow: .all, allowed: nil)
        case .origins(let origins): return CrossOriginMiddleware(allow: .originBased, allowed: Set(origins))
        }
    }

    private init(allow: CORSMiddleware<Context>.AllowOriginExtended, allowed: Set<String>?) {
        self.allowed = allowed
        cors = CORSMiddleware(
            allowOrigin: allow,
            allowHeaders: [.accept, .authorization, .contentType, .origin, IdempotencyKeyHeader.name],
            allowMethods: [.get, .head, .post, .put, .options],
            exposedHeaders: [Self.exposed],
            maxAge: .seconds(600))
    }

    /// A page may read when to try again, and whether an answer repeats an earlier one.
    static let exposed = "Retry-After, Idempotent-Replayed"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], allowed?.contains(origin) ?? true else { return try await next(request, context) }
        guard request.method != .options else { return try await cors.handle(request, context: context, next: next) }
        // Hummingbird names the exposed headers on the preflight only; browsers read them from the answer itself.
        do {
            var response = try await cors.handle(request, context: context, next: next)
            response.headers[.accessControlExposeHeaders] = Self.exposed
            return response
        } catch {
            throw ExposingHeaders(inner: error)
        }
    }

    /// A refusal (thrown, with the allowed origin already added) with the exposed headers named.
    private struct ExposingHeaders: HTTPResponseError {
        let inner: any Error
        var status: HTTPResponse.Status { (inner as? any HTTPResponseError)?.status ?? .internalServerError }

        func response(from request: Request, context: some RequestContext) throws -> Response {
            guard let inner = inner as? any HTTPResponseError else { throw self.inner }
            var response = try inner.response(from: request, context: context)
            response.headers[.accessControlExposeHeaders] = CrossOriginMiddleware.exposed
            return response
        }
    }
}
