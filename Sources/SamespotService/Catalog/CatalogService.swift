import SamespotCore
import SamespotStore

/// The service catalog and the dedup rules: read from this instance's catalog, edited in
/// PostgreSQL (then this instance reloads at once; the others on the NOTIFY).
public struct CatalogService: Sendable {
    public let store: CatalogStore
    public let rules: RuleStore
    public let indexes: CityIndexes

    public init(store: CatalogStore, rules: RuleStore, indexes: CityIndexes) {
        self.store = store
        self.rules = rules
        self.indexes = indexes
    }

    public var types: [ServiceType] { indexes.catalog.sortedTypes }

    /// A type as stored now, with the questions this instance asks; nil when there is none.
    public func type(_ code: String) async throws -> ServiceType? {
        guard var type = try await store.type(code) else { return nil }
        type.attributes = indexes.catalog.types[code]?.attributes ?? []
        return type
    }

    public func save(_ code: String, _ edit: CatalogStore.TypeEdit, actor: String) async throws -> ServiceType {
        try await store.save(code, edit, actor: actor)
        try await indexes.reloadCatalog(from: store.database)
        guard let saved = indexes.catalog.types[code] else { throw StoreError.notFound("service_code \(code) was not saved") }
        return saved
    }

    public func rule(for code: String) async throws -> (rule: DedupRule, stored: Bool) {
        try await rules.rule(for: code)
    }

    public func saveRule(_ rule: DedupRule, actor: String) async throws {
        try await rules.save(rule, actor: actor)
        // This instance at once (the caller's next intake uses the rule); the others on the NOTIFY.
        try await indexes.reloadCatalog(from: store.database)
    }
}
