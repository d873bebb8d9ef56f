import Hummingbird
import SamespotCore

/// The request context of every Samespot route: Hummingbird's core storage plus who is calling,
/// set by `APIKeyMiddleware` before any route runs.
public struct SamespotRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller = .anonymous

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Bodies are read by each route with its own limit; this caps anything decoded generically.
    public var maxUploadSize: Int { 1 << 20 }
}

/// Who sent a request, as far as its API key tells.
public enum Caller: Sendable, Equatable {
    /// No key: the public, for the endpoints that allow it.
    case anonymous
    /// A key was sent but it is unknown or revoked.
    case invalidKey
    case key(Principal)

    /// The principal to act as: a key's, or the public's when no key was sent.
    public var principal: Principal? {
        switch self {
        case .anonymous: return .anonymous
        case .invalidKey: return nil
        case .key(let p): return p
        }
    }
}

extension SamespotRequestContext {
    /// The caller, if allowed to do `permission`: 401 without a (valid) key, 403 with a key
    /// whose role does not allow it. Messages say what to send, never whose key it was.
    func require(_ permission: Permission) throws -> Principal {
        switch caller {
        case .invalidKey:
            throw APIError.unauthorized("the API key is not valid or has been revoked")
        case .anonymous:
            guard Principal.anonymous.can(permission) else {
                throw APIError.unauthorized("this endpoint needs an API key: send it as \"Authorization: Bearer <key>\"")
            }
            return .anonymous
        case .key(let principal):
            guard principal.can(permission) else {
                throw APIError.forbidden("a \(principal.role.rawValue) key may not do this (\(permission.rawValue))")
            }
            return principal
        }
    }
}
