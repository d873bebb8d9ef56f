import HTTPTypes
import Hummingbird
import SamespotCore
import SamespotStore
import Synchronization

/// Reads the API key from `Authorization: Bearer <key>` or `X-API-Key: <key>` and sets the
/// request's caller. It never refuses a request itself: each route says what it needs
/// (`context.require`), so public endpoints stay open and Open311 answers in its own format.
/// The key is never logged.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = SamespotRequestContext
    let keys: APIKeyResolver

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let key = Self.key(in: request.headers) {
            context.caller = try await keys.caller(forKey: key)
        }
        return try await next(request, context)
    }

    static func key(in headers: HTTPFields) -> String? {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let key = parts[1].trimmingCharacters(in: .whitespaces)
                return key.isEmpty ? nil : key
            }
        }
        if let key = headers[Self.apiKeyHeader]?.trimmingCharacters(in: .whitespaces), !key.isEmpty {
            return key
        }
        return nil
    }

    static let apiKeyHeader = HTTPField.Name("X-API-Key")!
}

/// Looks keys up in PostgreSQL, remembering answers for a short while so a busy intake line
/// does not pay a query per request. A revoked key stops working within `ttl`.
final class APIKeyResolver: Sendable {
    let store: APIKeyStore
    let ttl: Duration
    private let cache = Mutex<[[UInt8]: (caller: Caller, until: ContinuousClock.Instant)]>([:])

    init(store: APIKeyStore, ttl: Duration = .seconds(30)) {
        self.store = store
        self.ttl = ttl
    }

    func caller(forKey key: String) async throws -> Caller {
        // Keys are short ASCII; anything else cannot be one of ours.
        guard key.utf8.count <= 200 else { return .invalidKey }
        let hash = APIKeyStore.hash(key)
        let now = ContinuousClock.now
        if let hit = cache.withLock({ $0[hash] }), hit.until > now { return hit.caller }
        let caller: Caller = try await store.principal(forHash: hash).map { .key($0) } ?? .invalidKey
        cache.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[hash] = (caller, now + ttl)
        }
        return caller
    }
}
