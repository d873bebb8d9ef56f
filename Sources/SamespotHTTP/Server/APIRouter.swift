import Hummingbird
import Synchronization

/// The router every Samespot route is added through. It records each method and path as it is
/// added, so a test can hold the OpenAPI document to exactly the routes that exist; a group
/// (Open311's) has middleware of its own.
struct APIRouter {
    typealias Context = SamespotRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    let router: Router<Context>
    let registry: RouteRegistry
    private var prefix = ""
    private var group: RouterGroup<Context>?

    init(router: Router<Context>, registry: RouteRegistry) {
        self.router = router
        self.registry = registry
    }

    /// Routes under `prefix`, each run through `middleware` (inside the router's own).
    func grouped(_ prefix: String, middleware: some RouterMiddleware<Context>) -> APIRouter {
        var copy = self
        copy.prefix = self.prefix + prefix
        copy.group = router.group(RouterPath(copy.prefix)).add(middleware: middleware)
        return copy
    }

    func get(_ path: String, _ handler: @escaping Handler) { add(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { add(.post, path, handler) }
    func put(_ path: String, _ handler: @escaping Handler) { add(.put, path, handler) }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        registry.record(method.rawValue, prefix + path)
        if let group {
            group.on(RouterPath(path), method: method, use: handler)
        } else {
            router.on(RouterPath(path), method: method, use: handler)
        }
    }
}

/// The routes a server has: "GET /v1/matches", …
public final class RouteRegistry: Sendable {
    private let entries = Mutex<[String]>([])
    public init() {}
    func record(_ method: String, _ path: String) { entries.withLock { $0.append("\(method) \(path)") } }
    public var routes: [String] { entries.withLock { $0 } }
}
