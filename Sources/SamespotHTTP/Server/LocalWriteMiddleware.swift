import Hummingbird
import SamespotService

/// Tells the cases in memory that this instance answered a write (any method but GET, HEAD
/// and OPTIONS, whatever its outcome), so the next "already reported" read takes in the
/// feed first and a clerk sees the request they have just filed. Outermost but for metrics:
/// the write's transaction has ended when the answer passes back through here.
struct LocalWriteMiddleware: RouterMiddleware {
    typealias Context = SamespotRequestContext
    let mirror: CaseMirror

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch request.method {
        case .get, .head, .options: return try await next(request, context)
        default:
            defer { mirror.noteLocalWrite() }
            return try await next(request, context)
        }
    }
}
