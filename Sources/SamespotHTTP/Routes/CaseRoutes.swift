import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// Staff endpoints: a case with its family, history, notes and audit log; notes; hand merges
/// and unmerges; status changes (a parent's flows to its children); the dedup rule of each type.
struct CaseRoutes {
    let cases: CaseStore
    let rules: RuleStore
    let indexes: CityIndexes

    struct MergeBody: Decodable { var parent: String }
    struct StatusBody: Decodable { var status: String; var note: String? }
    struct NoteBody: Decodable { var note: String; var `public`: Bool? }
    struct RuleBody: Decodable {
        var enabled: Bool?
        var matchUnit: String
        var radiusM: Double
        var windowDays: Double
        var openStatuses: [String]?
    }

    func register(on api: APIRouter) {
        api.get("/v1/cases/{id}") { _, context in
            _ = try context.require(.readCases)
            let id = try context.parameters.require("id")
            return try JSONResponse.encode(try await Self.mapErrors { try await detail(id) })
        }
        api.post("/v1/cases/{id}/notes") { request, context in
            let principal = try context.require(.addNotes)
            let id = try context.parameters.require("id")
            let body: NoteBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"note": "crew sent", "public": true}"#)
            let note = body.note.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !note.isEmpty else { throw APIError.badRequest("note is empty") }
            try TextCheck.multiLine(note, field: "note", maxLength: 4_000)
            try await Self.mapErrors { try await cases.addNote(id, body: note, isPublic: body.public ?? false, actor: principal.actor) }
            return try JSONResponse.encode(try await detail(id), status: .created)
        }
        api.post("/v1/cases/{id}/merge") { request, context in
            let principal = try context.require(.workCases)
            let id = try context.parameters.require("id")
            let body: MergeBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"parent": "SS26-00000001"}"#)
            try TextCheck.singleLine(body.parent, field: "parent")
            try await Self.mapErrors { try await cases.merge(id, into: body.parent, actor: principal.actor) }
            return try JSONResponse.encode(try await detail(id))
        }
        api.post("/v1/cases/{id}/unmerge") { _, context in
            let principal = try context.require(.workCases)
            let id = try context.parameters.require("id")
            try await Self.mapErrors { try await cases.unmerge(id, actor: principal.actor) }
            return try JSONResponse.encode(try await detail(id))
        }
        api.post("/v1/cases/{id}/status") { request, context in
            let principal = try context.require(.workCases)
            let id = try context.parameters.require("id")
            let body: StatusBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"status": "closed", "note": "filled"}"#)
            guard let status = CaseStatus(rawValue: body.status) else {
                throw APIError.badRequest("status \(body.status.prefix(40)) is not one of \(CaseStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let note = body.note ?? ""
            try TextCheck.multiLine(note, field: "note", maxLength: 4_000)
            try await Self.mapErrors { try await cases.setStatus(id, to: status, note: note, actor: principal.actor) }
            return try JSONResponse.encode(try await detail(id))
        }
        api.get("/v1/rules/{code}") { _, context in
            _ = try context.require(.readRules)
            let code = try context.parameters.require("code")
            let (rule, stored) = try await Self.mapErrors { try await rules.rule(for: code) }
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
            var statuses: Set<CaseStatus> = [.open, .acknowledged, .inProgress]
            if let given = body.openStatuses {
                // A closed case never catches repeats: the list picks among the open statuses.
                let parsed = given.compactMap(CaseStatus.init(rawValue:)).filter(\.isOpen)
                guard parsed.count == given.count, !parsed.isEmpty else {
                    throw APIError.unprocessable("open_statuses must name statuses among \(CaseStatus.allCases.filter(\.isOpen).map(\.rawValue).joined(separator: ", "))")
                }
                statuses = Set(parsed)
            }
            let rule = DedupRule(serviceCode: code, radiusMetres: body.radiusM, windowDays: body.windowDays, matchUnit: unit,
                                 openStatuses: statuses, enabled: body.enabled ?? true)
            try await Self.mapErrors { try await rules.save(rule, actor: principal.actor) }
            // This instance at once (the caller's next intake uses the rule); the others on the NOTIFY.
            try await indexes.reloadCatalog(from: rules.database)
            return try JSONResponse.encode(RuleAnswer(rule: rule, stored: true))
        }
    }

    private func detail(_ id: String) async throws -> CaseDetail {
        try await cases.detail(id, wardSetID: indexes.snapshot.wardSet?.id)
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
        /// Spelled in snake_case, so it reads the same under either encoder.
        enum Keys: String, CodingKey {
            case serviceCode = "service_code", enabled, matchUnit = "match_unit", radiusM = "radius_m", windowDays = "window_days"
            case openStatuses = "open_statuses", source
        }
    }

    /// The store's refusals, as HTTP: 404 for a missing case or type, 409 for a conflicting action.
    @discardableResult
    static func mapErrors<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as CaseStore.CaseError {
            switch error {
            case .notFound(let m): throw APIError.notFound(m)
            case .conflict(let m): throw APIError.conflict(m)
            }
        } catch let error as StoreError {
            switch error {
            case .notFound(let m): throw APIError.notFound(m)
            case .conflict(let m): throw APIError.conflict(m)
            default: throw error
            }
        }
    }
}
