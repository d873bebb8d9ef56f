import Foundation
import Hummingbird
import SamespotCore
import SamespotStore

/// Staff endpoints: a case with its family and history, hand merges and unmerges, status
/// changes (a parent's flows to its children), and the dedup rule of each type.
struct CaseRoutes {
    let cases: CaseStore
    let rules: RuleStore
    /// Until API keys and roles arrive, staff actions are recorded under this name.
    let actor = "staff"

    struct MergeBody: Decodable { var parent: String }
    struct StatusBody: Decodable { var status: String; var note: String? }
    struct RuleBody: Decodable {
        var enabled: Bool?
        var matchUnit: String
        var radiusM: Double
        var windowDays: Double
        var openStatuses: [String]?
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/cases/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            return try JSONResponse.encode(try await Self.mapErrors { try await cases.detail(id) })
        }
        router.post("/v1/cases/:id/merge") { request, context -> Response in
            let id = try context.parameters.require("id")
            let body: MergeBody = try await Self.decode(request, example: #"{"parent": "SS26-00000001"}"#)
            try await Self.mapErrors { try await cases.merge(id, into: body.parent, actor: actor) }
            return try JSONResponse.encode(try await cases.detail(id))
        }
        router.post("/v1/cases/:id/unmerge") { _, context -> Response in
            let id = try context.parameters.require("id")
            try await Self.mapErrors { try await cases.unmerge(id, actor: actor) }
            return try JSONResponse.encode(try await cases.detail(id))
        }
        router.post("/v1/cases/:id/status") { request, context -> Response in
            let id = try context.parameters.require("id")
            let body: StatusBody = try await Self.decode(request, example: #"{"status": "closed", "note": "filled"}"#)
            guard let status = CaseStatus(rawValue: body.status) else {
                throw APIError.badRequest("status \(body.status) is not one of \(CaseStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try await Self.mapErrors { try await cases.setStatus(id, to: status, note: body.note ?? "", actor: actor) }
            return try JSONResponse.encode(try await cases.detail(id))
        }
        router.get("/v1/rules/:code") { _, context -> Response in
            let code = try context.parameters.require("code")
            let (rule, stored) = try await Self.mapErrors { try await rules.rule(for: code) }
            return try JSONResponse.encode(RuleAnswer(rule: rule, stored: stored))
        }
        router.put("/v1/rules/:code") { request, context -> Response in
            let code = try context.parameters.require("code")
            let body: RuleBody = try await Self.decode(request, example: #"{"match_unit": "distance", "radius_m": 50, "window_days": 7}"#)
            guard let unit = DedupRule.MatchUnit(rawValue: body.matchUnit) else {
                throw APIError.unprocessable("match_unit \(body.matchUnit) is not distance, address or block")
            }
            guard (0...5_000).contains(body.radiusM) else { throw APIError.unprocessable("radius_m must be 0 to 5000") }
            guard (0...365).contains(body.windowDays) else { throw APIError.unprocessable("window_days must be 0 to 365") }
            var statuses: Set<CaseStatus> = [.open, .acknowledged, .inProgress]
            if let given = body.openStatuses {
                let parsed = given.compactMap(CaseStatus.init(rawValue:))
                guard parsed.count == given.count, !parsed.isEmpty else {
                    throw APIError.unprocessable("open_statuses must name statuses among \(CaseStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                statuses = Set(parsed)
            }
            let rule = DedupRule(serviceCode: code, radiusMetres: body.radiusM, windowDays: body.windowDays, matchUnit: unit,
                                 openStatuses: statuses, enabled: body.enabled ?? true)
            try await Self.mapErrors { try await rules.save(rule, actor: actor) }
            return try JSONResponse.encode(RuleAnswer(rule: rule, stored: true))
        }
    }

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
        enum Keys: String, CodingKey { case serviceCode, enabled, matchUnit, radiusM, windowDays, openStatuses, source }
    }

    static func decode<T: Decodable>(_ request: Request, example: String) async throws -> T {
        let buffer = try await request.body.collect(upTo: 1 << 16)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(T.self, from: Data(buffer: buffer)) } catch {
            throw APIError.badRequest("the body must be JSON like \(example)")
        }
    }

    /// The store's refusals, as HTTP: 404 for a missing case or type, 409 for a conflicting action.
    @discardableResult
    static func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as CaseStore.CaseError {
            switch error {
            case .notFound(let m): throw APIError.notFound(m)
            case .conflict(let m): throw APIError(.conflict, m)
            }
        } catch let error as StoreError {
            if case .notFound(let m) = error { throw APIError.notFound(m) }
            throw error
        }
    }
}
