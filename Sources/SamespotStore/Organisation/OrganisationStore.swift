import Foundation
import Logging
import PostgresNIO
import SamespotCore

/// The city's organisation as cases see it: departments, staff, and the routing table.
public struct OrganisationStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public func departments() async throws -> [Department] {
        var result: [Department] = []
        for try await (code, name, active) in try await database.client.query(
            "SELECT department, name, active FROM departments ORDER BY name, department", logger: database.logger
        ).decode((String, String, Bool).self) {
            result.append(Department(code: code, name: name, active: active))
        }
        return result
    }

    public func saveDepartment(_ department: Department, actor: String) async throws {
        try await database.transaction { tx in
            try await tx.query("""
                INSERT INTO departments (department, name, active) VALUES (\(department.code), \(department.name), \(department.active))
                ON CONFLICT (department) DO UPDATE SET name = excluded.name, active = excluded.active
                """, logger: database.logger)
            try await tx.query("""
                INSERT INTO audit_log (action, actor, details) VALUES ('department_saved', \(actor), jsonb_build_object('department', \(department.code)))
                """, logger: database.logger)
        }
    }

    public func staff() async throws -> [Staff] {
        var result: [Staff] = []
        for try await (id, name, title, department, active) in try await database.client.query(
            "SELECT staff_id, name, title, department, active FROM staff ORDER BY department, name, staff_id", logger: database.logger
        ).decode((Int64, String, String, String, Bool).self) {
            result.append(Staff(id: id, name: name, title: title, department: department, active: active))
        }
        return result
    }

    /// Adds a member of staff (id nil) or updates one; answers the stored row.
    public func saveStaff(_ staff: Staff, id: Int64?, actor: String) async throws -> Staff {
        try await database.transaction { tx in
            try await Self.requireDepartment(staff.department, tx, database.logger)
            let query: PostgresQuery = if let id {
                """
                UPDATE staff SET name = \(staff.name), title = \(staff.title), department = \(staff.department), active = \(staff.active)
                WHERE staff_id = \(id) RETURNING staff_id
                """
            } else {
                """
                INSERT INTO staff (name, title, department, active) VALUES (\(staff.name), \(staff.title), \(staff.department), \(staff.active))
                RETURNING staff_id
                """
            }
            var saved: Int64?
            for try await stored in try await tx.query(query, logger: database.logger).decode(Int64.self) { saved = stored }
            guard let saved else { throw StoreError.notFound("no staff member \(id ?? 0)") }
            try await tx.query("""
                INSERT INTO audit_log (action, actor, details) VALUES ('staff_saved', \(actor), jsonb_build_object('staff_id', \(saved)))
                """, logger: database.logger)
            var result = staff
            result.id = saved
            return result
        }
    }

    /// Checks an assignment names an active department and, if any, an active member of it;
    /// answers their names for the letter.
    public func resolve(_ assignment: Assignment) async throws -> (department: Department, staff: Staff?) {
        var department: Department?
        for try await (code, name, active) in try await database.client.query(
            "SELECT department, name, active FROM departments WHERE department = \(assignment.department)", logger: database.logger
        ).decode((String, String, Bool).self) {
            department = Department(code: code, name: name, active: active)
        }
        guard let department, department.active else {
            throw StoreError.notFound("no active department \(assignment.department): see GET /v1/departments")
        }
        guard let staffID = assignment.staffID else { return (department, nil) }
        for try await (id, name, title, dept, active) in try await database.client.query(
            "SELECT staff_id, name, title, department, active FROM staff WHERE staff_id = \(staffID)", logger: database.logger
        ).decode((Int64, String, String, String, Bool).self) {
            guard active else { throw StoreError.conflict("staff member \(id) is no longer active") }
            guard dept == department.code else {
                throw StoreError.conflict("staff member \(id) is in \(dept), not \(department.code): name their department")
            }
            return (department, Staff(id: id, name: name, title: title, department: dept))
        }
        throw StoreError.notFound("no staff member \(staffID): see GET /v1/staff")
    }

    /// Replaces the routing table.
    public func saveRouting(_ table: RoutingTable, actor: String) async throws {
        try await database.transaction { tx in
            for rule in table.rules {
                try await Self.requireDepartment(rule.assignment.department, tx, database.logger)
                if let code = rule.serviceCode {
                    var known = false
                    for try await _ in try await tx.query("SELECT 1 FROM service_types WHERE service_code = \(code)", logger: database.logger) {
                        known = true
                    }
                    guard known else { throw StoreError.notFound("rule \(rule.position): no service_code \(code)") }
                }
            }
            let r = table.rules
            try await tx.query("DELETE FROM routing_rules", logger: database.logger)
            do {
                try await tx.query("""
                    INSERT INTO routing_rules (position, service_code, group_name, ward, department, staff_id, updated_by)
                    SELECT p, nullif(c, ''), nullif(g, ''), nullif(w, ''), d, nullif(s, 0), \(actor)
                    FROM unnest(\(r.map(\.position))::int4[], \(r.map { $0.serviceCode ?? "" })::text[], \(r.map { $0.group ?? "" })::text[],
                                \(r.map { $0.ward ?? "" })::text[], \(r.map(\.assignment.department))::text[],
                                \(r.map { $0.assignment.staffID ?? 0 })::int8[]) AS x(p, c, g, w, d, s)
                    """, logger: database.logger)
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23503" {
                throw StoreError.notFound("a routing rule names a staff member who does not exist: see GET /v1/staff")
            }
            try await tx.query("""
                INSERT INTO audit_log (action, actor, details) VALUES ('routing_saved', \(actor), jsonb_build_object('rules', \(r.count)))
                """, logger: database.logger)
        }
    }

    private static func requireDepartment(_ code: String, _ tx: PostgresConnection, _ logger: Logger) async throws {
        for try await _ in try await tx.query("SELECT 1 FROM departments WHERE department = \(code)", logger: logger) {
            return
        }
        throw StoreError.notFound("no department \(code): add it first (PUT /v1/departments/{code})")
    }
}
