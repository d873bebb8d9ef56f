import Foundation
import HTTPTypes
import Hummingbird
import SamespotCore
import Synchronization

/// Overload and rate limits, decided before any work is done on a request:
/// - a key over its rate gets 429 with Retry-After (its own budget: one app cannot starve intake);
/// - a request over the in-flight limit gets 503 with Retry-After at once, so what is admitted
///   keeps a bounded latency and nothing admitted is lost (refused requests stored nothing).
/// Health, metrics and the page's own files are never limited. Open311 paths answer in
/// Open311's format.
struct LimitMiddleware: RouterMiddleware {
    typealias Context = SamespotRequestContext

    let settings: LimitSettings
    let writes: InFlight
    let reads: InFlight
    let buckets: RateBuckets

    init(settings: LimitSettings) {
        self.settings = settings
        writes = InFlight(limit: settings.maxWritesInFlight)
        reads = InFlight(limit: settings.maxReadsInFlight)
        buckets = RateBuckets()
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/v1/") || path.hasPrefix("/open311/") else { return try await next(request, context) }
        if case .key(let principal) = context.caller, let keyID = principal.keyID {
            let rate = principal.role == .public ? settings.publicKeyRatePerSecond : settings.staffKeyRatePerSecond
            if rate > 0, let wait = buckets.take(key: keyID, ratePerSecond: rate, burst: max(1, rate * 2), now: ContinuousClock.now) {
                throw refusal(path, APIError(.tooManyRequests, "this key is over its rate of \(Self.format(rate)) requests a second; "
                                             + "try again in \(Int(wait.rounded(.up))) s"), retryAfter: Int(wait.rounded(.up)))
            }
        }
        let gate = request.method == .get || request.method == .head ? reads : writes
        guard gate.enter() else {
            throw refusal(path, APIError(.serviceUnavailable, "the service is at capacity; nothing was stored — try again in a second"),
                          retryAfter: 1)
        }
        defer { gate.leave() }
        return try await next(request, context)
    }

    private func refusal(_ path: String, _ error: APIError, retryAfter: Int) -> any Error {
        let seconds = max(1, retryAfter)
        if path.hasPrefix("/open311/") {
            return RetryLater(inner: Open311Error(error, format: path.hasSuffix(".json") ? .json : .xml), seconds: seconds)
        }
        return RetryLater(inner: error, seconds: seconds)
    }

    static func format(_ rate: Double) -> String { rate == rate.rounded() ? String(Int(rate)) : String(rate) }
}

/// An answer that tells the client when to come back (`Retry-After`, in seconds).
struct RetryLater: Error, HTTPResponseError {
    let inner: any HTTPResponseError
    let seconds: Int
    var status: HTTPResponse.Status { inner.status }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try inner.response(from: request, context: context)
        response.headers[.retryAfter] = String(seconds)
        return response
    }
}

/// A count of requests in progress, with a ceiling; 0 means none.
final class InFlight: Sendable {
    private let count = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func enter() -> Bool {
        let now = count.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        if limit > 0, now > limit {
            count.wrappingSubtract(1, ordering: .acquiringAndReleasing)
            return false
        }
        return true
    }

    func leave() { count.wrappingSubtract(1, ordering: .acquiringAndReleasing) }
}

/// Token buckets per API key: `burst` tokens, refilled at `ratePerSecond`. Per instance: behind
/// a load balancer each instance grants a key its own rate.
final class RateBuckets: Sendable {
    private struct Bucket { var tokens: Double; var at: ContinuousClock.Instant }
    private let buckets = Mutex<[Int64: Bucket]>([:])

    /// nil when a token was taken; else the seconds until one is there.
    func take(key: Int64, ratePerSecond: Double, burst: Double, now: ContinuousClock.Instant) -> Double? {
        buckets.withLock { all in
            var bucket = all[key] ?? Bucket(tokens: burst, at: now)
            let elapsed = Double((now - bucket.at).components.seconds) + Double((now - bucket.at).components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + elapsed * ratePerSecond)
            bucket.at = now
            defer { all[key] = bucket }
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / ratePerSecond }
            bucket.tokens -= 1
            return nil
        }
    }
}
