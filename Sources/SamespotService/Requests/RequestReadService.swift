import Foundation
import SamespotCore
import SamespotStore

/// Requests as Open311 clients and the page read them: listings, one request, a token, the
/// updates FixMyStreet pulls, and the span of the city's data. Ward-placed in the set in use.
public struct RequestReadService: Sendable {
    /// At most this many updates per call: a client polls again for the rest.
    public static let maxUpdates = 1_000

    public let store: RequestQueryStore
    public let indexes: CityIndexes

    public init(store: RequestQueryStore, indexes: CityIndexes) {
        self.store = store
        self.indexes = indexes
    }

    public func list(_ filter: RequestFilter, withNotes: Bool) async throws -> [RequestRecord] {
        try await store.list(filter, wardSetID: indexes.snapshot.wardSet?.id, withNotes: withNotes)
    }

    public func request(_ id: String, withNotes: Bool) async throws -> RequestRecord {
        guard let found = try await list(RequestFilter(serviceRequestIDs: [id], limit: 1), withNotes: withNotes).first else {
            throw StoreError.notFound("no service request \(id)")
        }
        return found
    }

    public func byToken(_ token: String) async throws -> (token: String, serviceRequestID: String) {
        guard let found = try await store.byToken(token) else { throw StoreError.notFound("no request for token \(token.prefix(64))") }
        return found
    }

    public func updates(from: Date, to: Date) async throws -> [RequestQueryStore.Update] {
        guard from <= to else { throw Refused(.invalid, "end_date is before start_date") }
        return try await store.updates(from: from, to: to, limit: Self.maxUpdates)
    }

    public func requestedSpan() async throws -> (first: Date, last: Date)? { try await store.requestedSpan() }
}
