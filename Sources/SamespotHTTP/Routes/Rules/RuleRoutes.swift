import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// The dedup rule of each type: read by staff, edited by admins. An edit takes effect on this
/// instance at once and on the others on PostgreSQL's NOTIFY.
struct RuleRoutes {
    let catalog: CatalogService

    struct RuleBody: Decodable {
        var enabled: Bool?
        var matchUnit: String
        var radiusM: Double
        var windowDays: Double
        var openStatuses: [String]?
    }

    func register(on api: APIRouter) {
        api.get("/v1/rules/{code}") { _, context in
            _ = try context.require(.readRules)
            let code = try context.parameters.require("code")
            let (rule, stored) = try await catalog.rule(for: code)
            return try JSONResponse.encode(RuleAnswer(rule: rule, stored: stored))
        }
        api.put("/v1/rules/{code}") { request, context in
            let principal = try context.require(.editRules)
            let code = try context.parameters.require("code")
            let body: RuleBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"match_unit": "distance", "radius_m": 50, "window_days": 7}"#)
            guard let unit = DedupRule.MatchUnit(rawValue: body.matchUnit) else {
                throw APIError.unprocessable("match_unit \(body.matchUnit.prefix(40)) is not distance, address or block")
            }
            guard (0...5_000).contains(body.radiusM) else { throw APIError.unprocessable("radius_m must be 0 to 5000") }
            guard (0...365).contains(body.windowDays) else { throw APIError.unprocessable("window_days must be 0 to 365") }
            var statuses = Set(CaseStatus.openStatuses)
            if let given = body.openStatuses {
                // A closed case never catches repeats: the list picks among the open statuses.
                let parsed = given.compactMap(CaseStatus.init(rawValue:)).filter(\.isOpen)
                guard parsed.count == given.count, !parsed.isEmpty else {
                    throw APIError.unprocessable("open_statuses must name statuses among \(CaseStatus.openStatuses.map(\.rawValue).joined(separator: ", "))")
                }
                statuses = Set(parsed)
            }
            let rule = DedupRule(serviceCode: code, radiusMetres: body.radiusM, windowDays: body.windowDays, matchUnit: unit,
                                 openStatuses: statuses, enabled: body.enabled ?? true)
            try await catalog.saveRule(rule, actor: principal.actor)
            return try JSONResponse.encode(RuleAnswer(rule: rule, stored: true))
        }
    }
}

/// A type's dedup rule on the wire; spelled in snake_case, so it reads the same under either encoder.
struct RuleAnswer: Encodable {
    var rule: DedupRule
    var stored: Bool
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(rule.serviceCode, forKey: .serviceCode)
        try c.encode(rule.enabled, forKey: .enabled)
        try c.encode(rule.matchUnit.rawValue, forKey: .matchUnit)
        try c.encode(rule.radiusMetres, forKey: .radiusM)
        try c.encode(rule.windowDays, forKey: .windowDays)
        try c.encode(rule.openStatuses.map(\.rawValue).sorted(), forKey: .openStatuses)
        try c.encode(stored ? "stored" : "default", forKey: .source)
    }
    enum Keys: String, CodingKey {
        case serviceCode = "service_code", enabled, matchUnit = "match_unit", radiusM = "radius_m", windowDays = "window_days"
        case openStatuses = "open_statuses", source
    }
}
