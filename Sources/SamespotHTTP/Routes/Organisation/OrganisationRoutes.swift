import Foundation
import Hummingbird
import SamespotCore
import SamespotService

/// Departments, staff and the routing table: read by staff, kept by admins.
struct OrganisationRoutes {
    let organisation: OrganisationService

    struct DepartmentBody: Decodable { var name: String; var active: Bool? }
    struct StaffBody: Decodable { var name: String; var title: String?; var department: String; var active: Bool? }
    struct RoutingBody: Decodable {
        struct Rule: Decodable {
            var position: Int
            var serviceCode: String?
            var group: String?
            var ward: String?
            var department: String
            var staffId: Int64?
        }
        var rules: [Rule]
    }
    struct DepartmentAnswer: Encodable { var department: String; var name: String; var active: Bool }
    struct StaffAnswer: Encodable { var staffId: Int64; var name: String; var title: String; var department: String; var active: Bool }
    struct RuleAnswer: Encodable {
        var position: Int
        var serviceCode: String?
        var group: String?
        var ward: String?
        var department: String
        var staffId: Int64?
    }

    func register(on api: APIRouter) {
        api.get("/v1/departments") { _, context in
            _ = try context.require(.readCases)
            let list = try await organisation.departments().map { DepartmentAnswer(department: $0.code, name: $0.name, active: $0.active) }
            return try JSONResponse.encode(["departments": list])
        }
        api.put("/v1/departments/{code}") { request, context in
            let principal = try context.require(.editOrganisation)
            let code = try context.parameters.require("code")
            try Self.checkName(code, field: "department")
            let body: DepartmentBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"name": "Department of Transportation"}"#)
            try Self.checkName(body.name, field: "name")
            let department = Department(code: code, name: body.name.trimmingASCIIWhitespace(), active: body.active ?? true)
            try await organisation.saveDepartment(department, actor: principal.actor)
            return try JSONResponse.encode(DepartmentAnswer(department: department.code, name: department.name, active: department.active))
        }
        api.get("/v1/staff") { _, context in
            _ = try context.require(.readCases)
            return try JSONResponse.encode(["staff": try await organisation.staff().map(Self.answer)])
        }
        api.post("/v1/staff") { request, context in
            let principal = try context.require(.editOrganisation)
            let staff = try Self.staff(try await JSONBody.decode(request, limit: 1 << 16, example: Self.staffExample))
            return try JSONResponse.encode(Self.answer(try await organisation.saveStaff(staff, id: nil, actor: principal.actor)), status: .created)
        }
        api.put("/v1/staff/{id}") { request, context in
            let principal = try context.require(.editOrganisation)
            guard let id = Int64(try context.parameters.require("id")) else { throw APIError.badRequest("the staff id is a whole number") }
            let staff = try Self.staff(try await JSONBody.decode(request, limit: 1 << 16, example: Self.staffExample))
            return try JSONResponse.encode(Self.answer(try await organisation.saveStaff(staff, id: id, actor: principal.actor)))
        }
        api.get("/v1/routing") { _, context in
            _ = try context.require(.readCases)
            return try JSONResponse.encode(["rules": organisation.routing.rules.map(Self.answer)])
        }
        api.put("/v1/routing") { request, context in
            let principal = try context.require(.editOrganisation)
            let body: RoutingBody = try await JSONBody.decode(request, limit: 1 << 20,
                example: #"{"rules": [{"position": 10, "service_code": "PHF", "ward": "42", "department": "CDOT", "staff_id": 3}]}"#)
            guard body.rules.count <= 1_000 else { throw APIError.unprocessable("at most 1000 routing rules") }
            var rules: [RoutingRule] = []
            for r in body.rules {
                for (field, value) in [("service_code", r.serviceCode), ("group", r.group), ("ward", r.ward), ("department", r.department)] {
                    if let value { try Self.checkName(value, field: field) }
                }
                rules.append(RoutingRule(position: r.position, serviceCode: r.serviceCode, group: r.group, ward: r.ward,
                                         assignment: Assignment(department: r.department, staffID: r.staffId)))
            }
            try await organisation.saveRouting(RoutingTable(rules: rules), actor: principal.actor)
            return try JSONResponse.encode(["rules": organisation.routing.rules.map(Self.answer)])
        }
    }

    static let staffExample = #"{"name": "Jane Roe", "title": "Pothole crew lead", "department": "CDOT"}"#

    static func staff(_ body: StaffBody) throws -> Staff {
        try checkName(body.name, field: "name")
        try checkName(body.department, field: "department")
        let title = body.title?.trimmingASCIIWhitespace() ?? ""
        guard title.count <= 200 else { throw APIError.unprocessable("title is longer than 200 characters") }
        try TextCheck.singleLine(title, field: "title")
        return Staff(id: 0, name: body.name.trimmingASCIIWhitespace(), title: title, department: body.department, active: body.active ?? true)
    }

    static func answer(_ s: Staff) -> StaffAnswer {
        StaffAnswer(staffId: s.id, name: s.name, title: s.title, department: s.department, active: s.active)
    }

    static func answer(_ r: RoutingRule) -> RuleAnswer {
        RuleAnswer(position: r.position, serviceCode: r.serviceCode, group: r.group, ward: r.ward, department: r.assignment.department,
                   staffId: r.assignment.staffID)
    }

    /// One line of 1 to 200 characters.
    static func checkName(_ value: String, field: String) throws {
        let trimmed = value.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty, trimmed.count <= 200 else { throw APIError.unprocessable("\(field) must be 1 to 200 characters") }
        try TextCheck.singleLine(value, field: field)
    }
}
