import Hummingbird

/// Every error under `/open311/v2/`, 500s included, in Open311's format and status rules, in
/// the format the path asks for (`.json` or `.xml`): a client written for the spec reads them.
struct Open311ErrorMiddleware: RouterMiddleware {
    typealias Context = SamespotRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as Open311Error {
            throw error
        } catch {
            let format: Open311Format = request.uri.path.hasSuffix(".json") ? .json : .xml
            if let http = error as? any HTTPResponseError, !(error is APIError) {
                // Hummingbird's own (a body too large, say): its status, in the spec's format.
                throw Open311Error(APIError(http.status, "\(http.status.reasonPhrase)"), format: format)
            }
            throw Open311Error(ErrorMapping.apiError(for: error, request: request, context: context), format: format)
        }
    }
}
