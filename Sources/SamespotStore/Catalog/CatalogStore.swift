import Foundation
import Logging
import PostgresNIO
import SamespotCore

/// Service types, their Open311 questions, their dedup rules and the city's holidays, read
/// from PostgreSQL as one `ServiceCatalog`; and the admin's edits to types.
public struct CatalogStore: Sendable {
    /// The payload of `NOTIFY samespot_reference_changed` after a rule or type edit: running
    /// instances reload their catalog (and not the costlier geocoder).
    public static let changePayload = "catalog"

    public let database: Database
    public init(database: Database) { self.database = database }

    public func load() async throws -> ServiceCatalog {
        let logger = database.logger
        var attributes: [String: [ServiceAttribute]] = [:]
        for try await (code, attribute, variable, datatype, required, datatypeDescription, position, description, values) in
            try await database.client.query("""
                SELECT service_code, code, variable, datatype, required, datatype_description, position, description, allowed_values::text
                FROM service_attributes ORDER BY service_code, position, code
                """, logger: logger).decode((String, String, Bool, String, Bool, String, Int, String, String).self) {
            let decoded = (try? JSONDecoder().decode([ServiceAttribute.Value].self, from: Data(values.utf8))) ?? []
            attributes[code, default: []].append(ServiceAttribute(
                code: attribute, variable: variable, datatype: ServiceAttribute.DataType(rawValue: datatype) ?? .string,
                required: required, datatypeDescription: datatypeDescription, order: position, description: description,
                values: decoded))
        }
        var types: [ServiceType] = []
        for try await row in try await database.client.query(Self.typeQuery(where: ""), logger: logger) {
            var type = try Self.serviceType(row)
            type.attributes = attributes[type.code] ?? []
            types.append(type)
        }
        var catalog = ServiceCatalog(types: types, calendar: try await calendar(), routing: try await routing())
        do {
            catalog.dedupModel = try await DedupModelStore(database: database).active()
        } catch let error as DedupModelError {
            // Intake goes on with the rules rather than not at all; the log says what to do.
            logger.error("the stored dedup model cannot be read; types use their rules", metadata: ["error": "\(error)"])
        }
        return catalog
    }

    /// The routing table, by position.
    public func routing() async throws -> RoutingTable {
        var rules: [RoutingRule] = []
        for try await (position, code, group, ward, department, staff) in try await database.client.query(
            "SELECT position, service_code, group_name, ward, department, staff_id FROM routing_rules ORDER BY position",
            logger: database.logger).decode((Int, String?, String?, String?, String, Int64?).self) {
            rules.append(RoutingRule(position: position, serviceCode: code, group: group, ward: ward,
                                     assignment: Assignment(department: department, staffID: staff)))
        }
        return RoutingTable(rules: rules)
    }

    /// The city's business days: Monday to Friday, less its holidays.
    public func calendar() async throws -> BusinessCalendar {
        var holidays = Set<CivilDate>()
        for try await day in try await database.client.query("SELECT day::text FROM holidays", logger: database.logger).decode(String.self) {
            if let date = CivilDate(parsing: day) { holidays.insert(date) }
        }
        return BusinessCalendar(holidays: holidays)
    }

    /// One type, read now (not from a cached catalog): nil when there is no such type.
    public func type(_ code: String) async throws -> ServiceType? {
        for try await row in try await database.client.query(Self.typeQuery(where: "WHERE t.service_code = $1", code), logger: database.logger) {
            return try Self.serviceType(row)
        }
        return nil
    }

    /// What an admin may set on a type (PUT /v1/services/{code}); the type is created if new.
    public struct TypeEdit: Sendable {
        public var name: String
        public var description: String
        public var department: String
        public var group: String
        public var keywords: [String]
        public var sensitive: Bool
        public var aboutAPlace: Bool
        public var active: Bool
        public var attributes: [ServiceAttribute]
        /// New cases start at this priority; deadlines in business days where the city's do not fit (nil: the city's).
        public var priority: Int
        public var acknowledgeDays: Int?
        public var respondDays: Int?

        public init(name: String, description: String, department: String, group: String, keywords: [String],
                    sensitive: Bool, aboutAPlace: Bool, active: Bool, attributes: [ServiceAttribute],
                    priority: Int = 0, acknowledgeDays: Int? = nil, respondDays: Int? = nil) {
            self.name = name; self.description = description; self.department = department; self.group = group
            self.keywords = keywords; self.sensitive = sensitive; self.aboutAPlace = aboutAPlace; self.active = active
            self.attributes = attributes
            self.priority = priority; self.acknowledgeDays = acknowledgeDays; self.respondDays = respondDays
        }
    }

    public func save(_ code: String, _ edit: TypeEdit, actor: String) async throws {
        let logger = database.logger
        try await database.transaction { tx in
            try await tx.query("""
                INSERT INTO service_types (service_code, service_name, description, department, group_name, keywords, sensitive, about_a_spot, active,
                                           priority, acknowledge_days, respond_days)
                VALUES (\(code), \(edit.name), \(edit.description), \(edit.department), \(edit.group), \(edit.keywords), \(edit.sensitive),
                        \(edit.aboutAPlace), \(edit.active), \(edit.priority), \(edit.acknowledgeDays), \(edit.respondDays))
                ON CONFLICT (service_code) DO UPDATE SET service_name = excluded.service_name, description = excluded.description,
                    department = excluded.department, group_name = excluded.group_name, keywords = excluded.keywords,
                    sensitive = excluded.sensitive, about_a_spot = excluded.about_a_spot, active = excluded.active,
                    priority = excluded.priority, acknowledge_days = excluded.acknowledge_days, respond_days = excluded.respond_days
                """, logger: logger)
            try await Self.replaceAttributes(of: code, with: edit.attributes, tx, logger)
            try await tx.query("""
                INSERT INTO audit_log (action, actor, details) VALUES ('service_type_saved', \(actor), jsonb_build_object('service_code', \(code)))
                """, logger: logger)
        }
        try await notifyChanged()
    }

    /// Replaces the questions of an existing type (a city's service definitions file).
    public func saveAttributes(_ code: String, _ attributes: [ServiceAttribute], actor: String) async throws {
        let logger = database.logger
        try await database.transaction { tx in
            var known = false
            for try await _ in try await tx.query("SELECT 1 FROM service_types WHERE service_code = \(code)", logger: logger) { known = true }
            guard known else { throw StoreError.notFound("no service type \(code): import its requests or add it first") }
            try await Self.replaceAttributes(of: code, with: attributes, tx, logger)
            try await tx.query("""
                INSERT INTO audit_log (action, actor, details) VALUES ('service_definition_saved', \(actor), jsonb_build_object('service_code', \(code)))
                """, logger: logger)
        }
        try await notifyChanged()
    }

    private static func replaceAttributes(of code: String, with a: [ServiceAttribute], _ tx: PostgresConnection, _ logger: Logger) async throws {
        let encoder = JSONEncoder()
        let values = try a.map { String(decoding: try encoder.encode($0.values), as: UTF8.self) }
        try await tx.query("DELETE FROM service_attributes WHERE service_code = \(code)", logger: logger)
        try await tx.query("""
            INSERT INTO service_attributes (service_code, code, variable, datatype, required, datatype_description, position, description, allowed_values)
            SELECT \(code), c, v, d, r, dd, p, descr, vals::jsonb
            FROM unnest(\(a.map(\.code))::text[], \(a.map(\.variable))::bool[], \(a.map(\.datatype.rawValue))::text[],
                        \(a.map(\.required))::bool[], \(a.map(\.datatypeDescription))::text[], \(a.map(\.order))::int8[],
                        \(a.map(\.description))::text[], \(values)::text[]) AS x(c, v, d, r, dd, p, descr, vals)
            """, logger: logger)
    }

    /// Tells every running instance to reload its catalog.
    public func notifyChanged() async throws {
        try await database.client.query("SELECT pg_notify('samespot_reference_changed', \(Self.changePayload))", logger: database.logger)
    }

    // MARK: Rows

    private static func typeQuery(where clause: String, _ code: String? = nil) -> PostgresQuery {
        var bindings = PostgresBindings()
        if let code { bindings.append(code) }
        return PostgresQuery(unsafeSQL: """
            SELECT t.service_code, t.service_name, t.description, t.department, t.group_name, t.keywords, t.sensitive,
                   t.about_a_spot, t.active, r.enabled, r.match_unit, r.radius_m, r.window_seconds, r.open_statuses,
                   t.priority, t.acknowledge_days, t.respond_days, r.updated_by
            FROM service_types t LEFT JOIN dedup_rules r USING (service_code) \(clause)
            """, binds: bindings)
    }

    private static func serviceType(_ row: PostgresRow) throws -> ServiceType {
        let (code, name, description, department, group, keywords, sensitive, aboutASpot, active, enabled, unit, radius, window, statuses,
             priority, acknowledgeDays, respondDays, updatedBy) =
            try row.decode((String, String, String, String, String, [String], Bool, Bool, Bool, Bool?, String?, Double?, Double?, [String]?, Int, Int?,
                            Int?, String?).self)
        var rule: DedupRule
        var stored = false
        if let enabled, let unit, let radius, let window {
            rule = DedupRule(serviceCode: code, radiusMetres: radius, windowDays: window / 86_400,
                             matchUnit: DedupRule.MatchUnit(rawValue: unit) ?? .distance,
                             openStatuses: Set((statuses ?? []).compactMap(CaseStatus.init(rawValue:))), enabled: enabled)
            stored = true
        } else {
            rule = DedupDefaults.rule(serviceCode: code, serviceName: name)
        }
        // A type that is not about a place (an information call) is not merged unless staff
        // stored a rule for it.
        if !aboutASpot, !stored { rule.enabled = false }
        return ServiceType(code: code, name: name, description: description, department: department, group: group,
                           keywords: keywords, sensitive: sensitive, aboutAPlace: aboutASpot, active: active, rule: rule,
                           ruleIsStored: stored, ruleIsHandSet: stored && updatedBy != DedupRule.fittedActor, priority: priority,
                           standard: ServiceStandard.city.overridden(acknowledge: acknowledgeDays, respond: respondDays))
    }
}
