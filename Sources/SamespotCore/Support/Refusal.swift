/// What kind of "no" an error is. Every layer's refusals say which kind they are, so the HTTP
/// layer answers them all through one mapping (400, 404, 409, 413, 422, 503) and the CLI prints
/// them the same way, instead of each route catching each error type by hand.
public enum RefusalKind: Sendable, Equatable {
    /// The input cannot be read (a malformed value, a missing field).
    case invalid
    /// What it names does not exist.
    case notFound
    /// It reads fine but clashes with the state of what it acts on (closing a closed case).
    case conflict
    /// It reads fine but cannot be taken as it is (an unknown type, a point outside the city).
    case unprocessable
    /// It is larger than allowed.
    case tooLarge
    /// A resource it needs is down for now; trying again later may work.
    case unavailable
}

/// An error whose message a person can act on, and which says what kind of refusal it is.
public protocol Refusal: Error, Sendable, CustomStringConvertible {
    var kind: RefusalKind { get }
}

extension AttributeError: Refusal {
    public var kind: RefusalKind { .unprocessable }
}

/// A refusal of a given kind with its message: the lifecycle's (each message says what to do
/// instead), and the checks that need no type of their own.
public struct Refused: Refusal, Equatable {
    public var kind: RefusalKind
    public var message: String
    public var description: String { message }

    public init(_ kind: RefusalKind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func conflict(_ message: String) -> Refused { Refused(.conflict, message) }
    public static func unprocessable(_ message: String) -> Refused { Refused(.unprocessable, message) }
}
