import SamespotCore
import SamespotStore

/// The city's departments, staff and routing table, as admins keep them. Routing changes are
/// loaded into this instance's catalog at once (intake routes from it).
public struct OrganisationService: Sendable {
    public let store: OrganisationStore
    public let indexes: CityIndexes

    public init(store: OrganisationStore, indexes: CityIndexes) {
        self.store = store
        self.indexes = indexes
    }

    public func departments() async throws -> [Department] { try await store.departments() }

    public func saveDepartment(_ department: Department, actor: String) async throws { try await store.saveDepartment(department, actor: actor) }

    public func staff() async throws -> [Staff] { try await store.staff() }

    public func saveStaff(_ staff: Staff, id: Int64?, actor: String) async throws -> Staff {
        try await store.saveStaff(staff, id: id, actor: actor)
    }

    public var routing: RoutingTable { indexes.catalog.routing }

    public func saveRouting(_ table: RoutingTable, actor: String) async throws {
        var positions = Set<Int>()
        for rule in table.rules where !positions.insert(rule.position).inserted {
            throw Refused(.unprocessable, "two routing rules have position \(rule.position): each needs its own")
        }
        for rule in table.rules where rule.assignment.staffID != nil {
            _ = try await store.resolve(rule.assignment)
        }
        try await store.saveRouting(table, actor: actor)
        try await indexes.reloadCatalog(from: store.database)
        try await CatalogStore(database: store.database).notifyChanged()
    }
}

/// The letters' templates (checked by compiling them before they are stored) and the outbox.
public struct LetterService: Sendable {
    public let store: LetterStore
    public init(store: LetterStore) { self.store = store }

    public func templates() async throws -> [LetterTemplate] { try await store.templates() }

    public func save(_ template: LetterTemplate, actor: String) async throws {
        try LetterRenderer.check(template)
        try await store.save(template, actor: actor)
    }

    public func outbox(channel: String?, unsentOnly: Bool, limit: Int) async throws -> [LetterStore.Message] {
        try await store.outbox(channel: channel, unsentOnly: unsentOnly, limit: limit)
    }

    public func markSent(_ ids: [Int64], actor: String) async throws -> Int { try await store.markSent(ids, actor: actor) }
}
