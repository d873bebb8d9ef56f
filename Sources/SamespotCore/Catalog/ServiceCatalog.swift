/// What residents can report: a type, the department that answers it, the questions it asks,
/// and the dedup rule in force for it.
public struct ServiceType: Sendable, Equatable {
    public var code: String
    public var name: String
    public var description: String
    public var department: String
    public var group: String
    public var keywords: [String]
    /// Public answers round the location of sensitive types to the block (about 100 m).
    public var sensitive: Bool
    /// false for calls that are not about a spot to fix (information, noise): never merged by
    /// default, never a hotspot, never "already reported".
    public var aboutAPlace: Bool
    public var active: Bool
    public var attributes: [ServiceAttribute]
    /// The rule in force: the stored one, or the default for the type's name.
    public var rule: DedupRule
    /// Whether `rule` is stored (edited by staff) rather than the default.
    public var ruleIsStored: Bool
    /// Whether staff set the rule themselves (not `samespot rules fit`): such a type keeps its
    /// rule when a learned model is in force.
    public var ruleIsHandSet: Bool
    /// New cases of the type start at this priority (repeat reports raise it).
    public var priority: Int
    /// The city's deadlines, or the type's own.
    public var standard: ServiceStandard

    public init(code: String, name: String, description: String = "", department: String = "", group: String = "",
                keywords: [String] = [], sensitive: Bool = false, aboutAPlace: Bool = true, active: Bool = true,
                attributes: [ServiceAttribute] = [],
                rule: DedupRule, ruleIsStored: Bool = false, ruleIsHandSet: Bool? = nil, priority: Int = 0, standard: ServiceStandard = .city) {
        self.code = code; self.name = name; self.description = description; self.department = department
        self.group = group; self.keywords = keywords; self.sensitive = sensitive; self.aboutAPlace = aboutAPlace; self.active = active
        self.attributes = attributes; self.rule = rule; self.ruleIsStored = ruleIsStored
        self.ruleIsHandSet = ruleIsHandSet ?? ruleIsStored
        self.priority = priority; self.standard = standard
    }
}

/// The city's service types, business calendar and routing table, loaded from PostgreSQL and held by each
/// instance; reloaded when staff edit a rule or a type (PostgreSQL stays the source of truth).
public struct ServiceCatalog: Sendable, Equatable {
    public var types: [String: ServiceType]
    public var calendar: BusinessCalendar
    /// Where new cases go.
    public var routing: RoutingTable
    /// The learned duplicate scorer in force, if the city stored one.
    public var dedupModel: DedupModel?

    public init(types: [ServiceType], calendar: BusinessCalendar, routing: RoutingTable = .empty) {
        self.types = Dictionary(types.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        self.calendar = calendar
        self.routing = routing
    }

    public static let empty = ServiceCatalog(types: [], calendar: BusinessCalendar())

    /// The model decides for a type about a place, whose rule merges, unless staff set the rule by hand.
    public func usesModel(_ type: ServiceType) -> Bool {
        dedupModel != nil && type.rule.enabled && type.aboutAPlace && !type.ruleIsHandSet
    }

    /// Types in a stable order: by group, then name.
    public var sortedTypes: [ServiceType] {
        types.values.sorted { ($0.group, $0.name, $0.code) < ($1.group, $1.name, $1.code) }
    }
}
