/// How much a server takes on at once, and how fast each key may call it.
public struct LimitSettings: Sendable {
    /// Writes (POST, PUT) in progress at once; more are refused at once with 503 and
    /// Retry-After, so the ones taken keep a bounded latency instead of queueing behind a
    /// backlog for seconds. 0: no limit.
    public var maxWritesInFlight: Int
    /// Reads (GET) in progress at once; 0: no limit.
    public var maxReadsInFlight: Int
    /// Requests per second a `public` key may make (a burst of twice that); 0: no limit.
    public var publicKeyRatePerSecond: Double
    /// Requests per second a staff key may make; 0: no limit.
    public var staffKeyRatePerSecond: Double
    /// A connection that sends nothing whole for this long (an idle keep-alive, or a slow-loris
    /// client trickling a request's head) is closed; 0: never.
    public var idleTimeoutSeconds: Double
    /// A request still being answered after this long is named in the log (`SlowRequestWatch`);
    /// 0: never.
    public var slowRequestSeconds: Double

    public init(maxWritesInFlight: Int = 32, maxReadsInFlight: Int = 256, publicKeyRatePerSecond: Double = 20,
                staffKeyRatePerSecond: Double = 0, idleTimeoutSeconds: Double = 30, slowRequestSeconds: Double = 30) {
        self.maxWritesInFlight = maxWritesInFlight
        self.maxReadsInFlight = maxReadsInFlight
        self.publicKeyRatePerSecond = publicKeyRatePerSecond
        self.staffKeyRatePerSecond = staffKeyRatePerSecond
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.slowRequestSeconds = slowRequestSeconds
    }

    /// `idleTimeoutSeconds` as a duration; nil: never.
    var idleTimeout: Duration? { Self.duration(idleTimeoutSeconds) }
    /// `slowRequestSeconds` as a duration; nil: never.
    var slowRequestLimit: Duration? { Self.duration(slowRequestSeconds) }

    /// Seconds as a duration to the millisecond; nil for 0 (never).
    private static func duration(_ seconds: Double) -> Duration? {
        seconds > 0 ? .milliseconds(Int64(seconds * 1_000)) : nil
    }
}
