import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// The service catalog in Samespot's own format: `GET /v1/services` (types with their
/// department, questions and dedup rule in force), `GET /v1/services/{code}`, and
/// `PUT /v1/services/{code}` for admins (name, department, sensitive, questions).
struct ServiceRoutes {
    let catalog: CatalogService

    struct TypeAnswer: Encodable {
        var serviceCode: String
        var serviceName: String
        var description: String
        var department: String
        var group: String
        var keywords: [String]
        var sensitive: Bool
        var aboutAPlace: Bool
        var active: Bool
        var attributes: [ServiceAttribute]
        var rule: RuleAnswer
        var priority: Int
        /// The deadlines in force: the type's own, or the city's.
        var acknowledgeDays: Int
        var respondDays: Int

        init(_ t: ServiceType) {
            serviceCode = t.code; serviceName = t.name; description = t.description; department = t.department
            group = t.group; keywords = t.keywords; sensitive = t.sensitive; aboutAPlace = t.aboutAPlace; active = t.active; attributes = t.attributes
            rule = .init(rule: t.rule, stored: t.ruleIsStored)
            priority = t.priority
            acknowledgeDays = t.standard.acknowledgeBusinessDays
            respondDays = t.standard.respondBusinessDays
        }
    }

    struct EditBody: Decodable {
        var serviceName: String
        var description: String?
        var department: String?
        var group: String?
        var keywords: [String]?
        var sensitive: Bool?
        var aboutAPlace: Bool?
        var active: Bool?
        var attributes: [AttributeBody]?
        var priority: Int?
        var acknowledgeDays: Int?
        var respondDays: Int?
    }

    struct AttributeBody: Decodable {
        var code: String
        var variable: Bool?
        var datatype: String
        var required: Bool?
        var datatypeDescription: String?
        var order: Int?
        var description: String
        var values: [ServiceAttribute.Value]?
    }

    func register(on api: APIRouter) {
        api.get("/v1/services") { _, context in
            _ = try context.require(.readOpen311)
            return try JSONResponse.encode(["services": catalog.types.map(TypeAnswer.init)])
        }
        api.get("/v1/services/{code}") { _, context in
            _ = try context.require(.readOpen311)
            let code = try context.parameters.require("code")
            guard let type = try await catalog.type(code) else { throw APIError.notFound("no service with service_code \(code.prefix(40))") }
            return try JSONResponse.encode(TypeAnswer(type))
        }
        api.put("/v1/services/{code}") { request, context in
            let principal = try context.require(.editServices)
            let code = try context.parameters.require("code")
            try Self.checkCode(code, field: "service_code")
            let body: EditBody = try await JSONBody.decode(request, limit: 1 << 20,
                example: #"{"service_name": "Pothole in Street", "department": "CDOT", "attributes": [{"code": "DEPTH", "datatype": "number", "description": "How deep?"}]}"#)
            let edit = try Self.edit(body)
            return try JSONResponse.encode(TypeAnswer(try await catalog.save(code, edit, actor: principal.actor)))
        }
    }

    static func edit(_ body: EditBody) throws -> CatalogStore.TypeEdit {
        let name = body.serviceName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 200 else { throw APIError.unprocessable("service_name must be 1 to 200 characters") }
        try TextCheck.singleLine(name, field: "service_name")
        for (field, value) in [("description", body.description), ("department", body.department), ("group", body.group)] {
            try TextCheck.multiLine(value ?? "", field: field, maxLength: 2_000)
        }
        var attributes: [ServiceAttribute] = []
        var seen = Set<String>()
        for a in body.attributes ?? [] {
            try checkCode(a.code, field: "attributes.code")
            guard seen.insert(a.code).inserted else { throw APIError.unprocessable("attribute code \(a.code) appears twice") }
            guard let datatype = ServiceAttribute.DataType(rawValue: a.datatype) else {
                throw APIError.unprocessable("datatype \(a.datatype.prefix(40)) is not one of \(ServiceAttribute.DataType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let order = a.order, !(0...10_000).contains(order) { throw APIError.unprocessable("attribute \(a.code) order must be 0 to 10000") }
            let values = a.values ?? []
            if datatype == .singlevaluelist || datatype == .multivaluelist {
                guard !values.isEmpty else { throw APIError.unprocessable("attribute \(a.code) is a list: give its values") }
            }
            for v in values {
                try TextCheck.singleLine(v.key, field: "values.key")
                try TextCheck.singleLine(v.name, field: "values.name")
            }
            try TextCheck.multiLine(a.description, field: "attributes.description", maxLength: 2_000)
            try TextCheck.multiLine(a.datatypeDescription ?? "", field: "attributes.datatype_description", maxLength: 2_000)
            attributes.append(ServiceAttribute(code: a.code, variable: a.variable ?? true, datatype: datatype, required: a.required ?? false,
                                               datatypeDescription: a.datatypeDescription ?? "", order: a.order ?? attributes.count + 1,
                                               description: a.description, values: values))
        }
        if let p = body.priority, !(-1_000...1_000).contains(p) { throw APIError.unprocessable("priority must be -1000 to 1000") }
        if let a = body.acknowledgeDays, !(0...60).contains(a) { throw APIError.unprocessable("acknowledge_days must be 0 to 60") }
        if let r = body.respondDays, !(1...365).contains(r) { throw APIError.unprocessable("respond_days must be 1 to 365") }
        let keywords = body.keywords ?? []
        for k in keywords { try TextCheck.singleLine(k, field: "keywords") }
        return CatalogStore.TypeEdit(name: name, description: body.description ?? "", department: body.department ?? "",
                                     group: body.group ?? "", keywords: keywords, sensitive: body.sensitive ?? false,
                                     aboutAPlace: body.aboutAPlace ?? true, active: body.active ?? true, attributes: attributes,
                                     priority: body.priority ?? 0, acknowledgeDays: body.acknowledgeDays, respondDays: body.respondDays)
    }

    /// Codes go into URLs and form keys: letters, digits, `-`, `_`, `.`, at most 64.
    static func checkCode(_ code: String, field: String) throws {
        guard !code.isEmpty, code.count <= 64, code.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.".unicodeScalars.contains($0) }) else {
            throw APIError.unprocessable("\(field) must be 1 to 64 letters, digits, '-', '_' or '.'")
        }
    }
}
