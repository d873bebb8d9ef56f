import Hummingbird
import Synchronization

/// The router every Samespot route is added through. It records each method and path as it is
/// added, so a test can hold the OpenAPI document to exactly the routes that exist.
struct APIRouter {
    typealias Context = SamespotRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    let router: Router<Context>
    let registry: RouteRegistry

    func get(_ path: String, _ handler: @escaping Handler) { add(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { add(.post, path, handler) }
    func put(_ path: String, _ handler: @escaping Handler) { add(.put, path, handler) }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        registry.record(method.rawValue, path)
        router.on(RouterPath(path), method: method, use: handler)
    }
}

/// The routes a server has: "GET /v1/matches", …
public final class RouteRegistry: Sendable {
    private let entries = Mutex<[String]>([])
    public init() {}
    func record(_ method: String, _ path: String) { entries.withLock { $0.append("\(method) \(path)") } }
    public var routes: [String] { entries.withLock { $0 } }
}
