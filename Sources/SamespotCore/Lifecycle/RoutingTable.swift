/// A row of the city's routing table: new cases that match go to its department (and person).
/// Empty conditions match anything; the first matching rule by position wins.
public struct RoutingRule: Sendable, Equatable, Codable {
    public var position: Int
    /// The service type, or nil for any.
    public var serviceCode: String?
    /// The type's group, or nil for any.
    public var group: String?
    /// The ward (in the ward set in force), or nil for any.
    public var ward: String?
    public var assignment: Assignment

    public init(position: Int, serviceCode: String? = nil, group: String? = nil, ward: String? = nil, assignment: Assignment) {
        self.position = position; self.serviceCode = serviceCode; self.group = group; self.ward = ward; self.assignment = assignment
    }

    func matches(serviceCode: String, group: String, ward: String?) -> Bool {
        (self.serviceCode.map { $0 == serviceCode } ?? true)
            && (self.group.map { $0 == group } ?? true)
            && (self.ward.map { $0 == ward } ?? true)
    }
}

/// Routes a new case: the first matching rule, else the department its type belongs to.
public struct RoutingTable: Sendable, Equatable {
    public var rules: [RoutingRule]

    public init(rules: [RoutingRule]) { self.rules = rules.sorted { $0.position < $1.position } }

    public static let empty = RoutingTable(rules: [])

    public func route(serviceCode: String, group: String, ward: String?, typeDepartment: String) -> Assignment {
        rules.first { $0.matches(serviceCode: serviceCode, group: group, ward: ward) }?.assignment
            ?? Assignment(department: typeDepartment)
    }
}
