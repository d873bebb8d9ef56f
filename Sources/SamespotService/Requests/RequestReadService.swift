import Foundation
import SamespotCore
import SamespotStore

/// Requests as Open311 clients and the page read them: listings, one request, a token, the
/// updates FixMyStreet pulls, and the span of the city's data. Ward-placed in the set in use.
///
/// With a streaming replica, `store` reads from it and `primary` is asked again for what the
/// replica has not replayed yet: an app that just posted a request and asks for it by its
/// number or token (read-your-own-write) finds it however far the replica lags.
public struct RequestReadService: Sendable {
    /// At most this many updates per call: a client polls again for the rest.
    public static let maxUpdates = 1_000

    public let store: RequestQueryStore
    /// The primary, when `store` reads from a replica; nil when `store` is the primary.
    public let primary: RequestQueryStore?
    public let indexes: CityIndexes
    /// The cases in memory, which pick a listing's requests when they are loaded.
    public let mirror: CaseMirror?

    public init(store: RequestQueryStore, primary: RequestQueryStore? = nil, indexes: CityIndexes, mirror: CaseMirror? = nil) {
        self.store = store
        self.primary = primary
        self.indexes = indexes
        self.mirror = mirror
    }

    public func list(_ filter: RequestFilter, withNotes: Bool) async throws -> [RequestRecord] {
        let wardSetID = indexes.snapshot.wardSet?.id
        // Which requests, from memory (as fresh as matches: this instance's own writes at once,
        // others' within moments); their rows from PostgreSQL. Else PostgreSQL does both.
        if let mirror, let picked = await mirror.readRecent({ $0.newestRequestIDs(filter, wardSetID: wardSetID) }), let ids = picked {
            return try await store.list(requestIDs: ids, wardSetID: wardSetID, withNotes: withNotes)
        }
        let found = try await store.list(filter, wardSetID: wardSetID, withNotes: withNotes)
        // Requests asked for by number that the replica lacks may be writes it has not replayed.
        if let primary, let ids = filter.serviceRequestIDs, !ids.isEmpty, filter.offset == 0, found.count < min(Set(ids).count, filter.limit) {
            return try await primary.list(filter, wardSetID: wardSetID, withNotes: withNotes)
        }
        return found
    }

    public func request(_ id: String, withNotes: Bool) async throws -> RequestRecord {
        guard let found = try await list(RequestFilter(serviceRequestIDs: [id], limit: 1), withNotes: withNotes).first else {
            throw StoreError.notFound("no service request \(id)")
        }
        return found
    }

    public func byToken(_ token: String) async throws -> (token: String, serviceRequestID: String) {
        var found = try await store.byToken(token)
        if found == nil, let primary { found = try await primary.byToken(token) }
        guard let found else {
            throw StoreError.notFound("no request for token \(token.prefix(64))")
        }
        return found
    }

    public func updates(from: Date, to: Date) async throws -> [RequestQueryStore.Update] {
        guard from <= to else { throw Refused(.invalid, "end_date is before start_date") }
        return try await store.updates(from: from, to: to, limit: Self.maxUpdates)
    }

    public func requestedSpan() async throws -> (first: Date, last: Date)? { try await store.requestedSpan() }
}
