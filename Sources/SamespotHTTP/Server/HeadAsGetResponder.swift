import Hummingbird

/// `HEAD` for every `GET` route, as HTTP asks: the same status and headers (its length too),
/// no body. Uptime monitors and link checkers ask this way; without it every HEAD was a 404.
///
/// A responder around the router, not a router middleware: the router picks a route by path
/// and method before its middleware runs, so a HEAD would reach the not-found responder there.
struct HeadAsGetResponder<Base: HTTPResponder>: HTTPResponder where Base.Context: RequestContext {
    typealias Context = Base.Context
    let base: Base

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.method == .head else { return try await base.respond(to: request, context: context) }
        var head = request.head
        head.method = .get
        do {
            return try await base.respond(to: Request(head: head, body: request.body), context: context).createHeadResponse()
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context).createHeadResponse()
        }
    }
}
