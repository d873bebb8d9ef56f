import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// Open311 GeoReport v2 under `/open311/v2/`, in XML (the spec's mandatory format) and JSON,
/// chosen by the path's extension, so resident apps and city tools written for the spec work
/// unchanged. Errors, 500s included, are the spec's list of `{code, description}`
/// (`Open311ErrorMiddleware`): 404 for a missing resource, 403 for a missing or bad `api_key`,
/// 400 for the rest. FixMyStreet's `servicerequestupdates` extension gives what changed.
struct Open311Routes {
    let indexes: CityIndexes
    let intake: IntakeService
    let catalog: CatalogService
    let requests: RequestReadService
    let keys: APIKeyResolver
    let clock: CityClock

    static let base = "/open311/v2"
    static let specification = "http://wiki.open311.org/GeoReport_v2"
    /// When this API's shape last changed (discovery's `changeset`).
    static let changeset = "2026-11-23T00:00:00Z"

    func register(on router: APIRouter) {
        let api = router.grouped(Self.base, middleware: Open311ErrorMiddleware())
        for format in Open311Format.allCases {
            let ext = format.rawValue
            api.get("/discovery.\(ext)") { request, context in
                try await Self.read(format, context) { discovery(request) }
            }
            api.get("/services.\(ext)") { _, context in
                try await Self.read(format, context) {
                    Open311Document(root: "services", node: .list(item: "service", indexes.catalog.sortedTypes.filter(\.active).map(Open311Coding.service)))
                }
            }
            api.get("/services/{code}.\(ext)") { _, context in
                try await Self.read(format, context) {
                    let code = try context.parameters.require("code")
                    guard let type = try await catalog.type(code), type.active else {
                        throw APIError.notFound("no service with service_code \(code): see services.\(ext)")
                    }
                    return Open311Document(root: "service_definition", node: Open311Coding.definition(type))
                }
            }
            api.get("/requests.\(ext)") { request, context in
                try await Self.read(format, context) { try await list(request, context) }
            }
            api.post("/requests.\(ext)") { request, context in
                let (document, replayed) = try await submit(request, context)
                var response = Self.response(document, format)
                IdempotencyKeyHeader.mark(&response, replayed: replayed)
                return response
            }
            api.get("/requests/{id}.\(ext)") { request, context in
                try await Self.read(format, context) {
                    let id = try context.parameters.require("id")
                    let extensions = try Self.extensions(request)
                    let found = try await requests.request(id, withNotes: extensions)
                    return Open311Document(root: "service_requests", node: .list(item: "request", [
                        Open311Coding.request(found, clock: clock, publicView: Self.publicView(context), extensions: extensions),
                    ]))
                }
            }
            api.get("/servicerequestupdates.\(ext)") { request, context in
                try await Self.read(format, context) { try await updates(request) }
            }
            api.get("/tokens/{token}.\(ext)") { _, context in
                try await Self.read(format, context) {
                    let token = try context.parameters.require("token")
                    let found = try await requests.byToken(token)
                    return Open311Document(root: "service_requests", node: .list(item: "request", [
                        .object([("service_request_id", .text(found.serviceRequestID)), ("token", .text(found.token))]),
                    ]))
                }
            }
        }
    }

    // MARK: Endpoints

    /// FixMyStreet's `servicerequestupdates`: status changes, public notes and merges of the
    /// window (the last day by default), oldest first, each with an id that never changes.
    /// Statuses are the words FixMyStreet maps to its states.
    private func updates(_ request: Request) async throws -> Open311Document {
        let query = QueryParameters(request)
        let to = try query.date("end_date", clock: clock, endOfDay: true) ?? Date()
        let from = try query.date("start_date", clock: clock) ?? to.addingTimeInterval(-86_400)
        let found = try await requests.updates(from: from, to: to)
        return Open311Document(root: "service_request_updates", node: .list(item: "request_update", found.map { u in
            .object([
                ("update_id", .text(u.updateID)),
                ("service_request_id", .text(u.serviceRequestID)),
                ("status", .text(u.merged ? "duplicate" : u.status.map(Self.fixMyStreetStatus) ?? "unchanged")),
                ("updated_datetime", .text(clock.w3c(u.at))),
                ("description", .text(u.description)),
                ("media_url", .text("")),
                ("external_status_code", .text(u.status?.rawValue ?? "")),
            ])
        }))
    }

    /// The word FixMyStreet reads for each status (it lower-cases and maps them to its states).
    static func fixMyStreetStatus(_ status: CaseStatus) -> String {
        switch status {
        case .open, .reopened: return "open"
        case .acknowledged: return "investigating"
        case .inProgress: return "in_progress"
        case .referred: return "internal_referral"
        case .closed: return "fixed"
        case .canceled: return "no_further_action"
        }
    }

    private func discovery(_ request: Request) -> Open311Document {
        let host = request.head.authority ?? "localhost"
        return Open311Document(root: "discovery", node: .object([
            ("changeset", .text(Self.changeset)),
            ("contact", .text("Samespot \(SamespotVersion.current)")),
            ("key_service", .text("API keys are issued by the city: samespot keys create --role public")),
            ("endpoints", .list(item: "endpoint", [.object([
                ("specification", .text(Self.specification)),
                ("url", .text("http://\(host)\(Self.base)")),
                ("changeset", .text(Self.changeset)),
                ("type", .text("production")),
                ("formats", .list(item: "format", [.text("text/xml"), .text("application/json")])),
            ])])),
        ]))
    }

    private func list(_ request: Request, _ context: SamespotRequestContext) async throws -> Open311Document {
        let query = QueryParameters(request)
        var filter = RequestFilter()
        filter.serviceRequestIDs = try query.list("service_request_id")
        filter.serviceCodes = try query.list("service_code")
        if let statuses = try query.list("status") {
            filter.statuses = try statuses.flatMap { status -> [CaseStatus] in
                guard let group = CaseStatus.open311Group(named: status) else {
                    throw APIError.badRequest("status \(status.prefix(40)) is not open or closed")
                }
                return group
            }
        }
        filter.requestedFrom = try query.date("start_date", clock: clock)
        filter.requestedTo = try query.date("end_date", clock: clock, endOfDay: true)
        filter.updatedAfter = try query.date("updated_after", clock: clock)
        filter.updatedBefore = try query.date("updated_before", clock: clock, endOfDay: true)
        filter.ward = try query.string("ward")
        if let from = filter.requestedFrom, let to = filter.requestedTo, to < from {
            throw APIError.badRequest("end_date is before start_date")
        }
        // The spec's default: the last 90 days (and at most 1,000 requests).
        if filter.serviceRequestIDs == nil, filter.requestedFrom == nil, filter.requestedTo == nil,
           filter.updatedAfter == nil, filter.updatedBefore == nil {
            filter.requestedFrom = Date().addingTimeInterval(-90 * 86_400)
        }
        let pageSize = try query.int("page_size", in: 1...1_000) ?? 1_000
        let page = try query.int("page", in: 1...1_000_000) ?? 1
        filter.limit = pageSize
        filter.offset = (page - 1) * pageSize
        let extensions = try Self.extensions(request)
        let found = try await requests.list(filter, withNotes: extensions)
        let publicView = Self.publicView(context)
        return Open311Document(root: "service_requests", node: .list(item: "request", found.map {
            Open311Coding.request($0, clock: clock, publicView: publicView, extensions: extensions)
        }))
    }

    /// - Returns: the answer, and whether it repeats an earlier one (the same Idempotency-Key).
    private func submit(_ request: Request, _ context: SamespotRequestContext) async throws -> (Open311Document, Bool) {
        let submission = try await Open311Body.read(request)
        let form = Open311Body.Fields(submission.pairs + (try Open311Body.urlFields(of: request, besides: submission.pairs)))
        // The spec's api_key form field, or the header other Samespot endpoints use.
        var caller = context.caller
        if let key = form.first("api_key") { caller = try await keys.caller(forKey: key) }
        switch caller {
        case .anonymous: throw APIError.forbidden("api_key is required to post a service request")
        case .invalidKey: throw APIError.forbidden("api_key is not valid or has been revoked")
        case .key(let principal):
            guard principal.can(.submitOpen311) else { throw APIError.forbidden("this api_key may not post service requests") }
        }
        var new = try Open311Body.newRequest(form, actor: caller.principal?.actor ?? "open311")
        new.photo = submission.photo
        if let principal = caller.principal { new.idempotencyKey = try IdempotencyKeyHeader.read(request, principal: principal) }
        let outcome = try await intake.submit(new).outcome
        let notice = outcome.parentServiceRequestID.map {
            "Already reported: this is being handled with request \($0). You will be told when it is fixed."
        }
        return (Open311Document(root: "service_requests", node: .list(item: "request", [.object([
            ("service_request_id", .text(outcome.serviceRequestID)),
            ("token", .text(outcome.token)),
            ("service_notice", .text(notice)),
            ("account_id", .text(nil)),
        ])])), outcome.replayed)
    }

    // MARK: Helpers

    static func extensions(_ request: Request) throws -> Bool {
        try QueryParameters(request).bool("extensions") ?? false
    }

    /// Staff who may read cases see sensitive types where they are; everyone else at the block.
    static func publicView(_ context: SamespotRequestContext) -> Bool {
        !(context.caller.principal?.can(.readCases) ?? false)
    }

    /// A read: open to all, but a key that is sent must be valid (the app should learn its key
    /// is wrong before it posts).
    static func read(_ format: Open311Format, _ context: SamespotRequestContext,
                     _ body: () async throws -> Open311Document) async throws -> Response {
        try await answer(format) {
            if case .invalidKey = context.caller { throw APIError.forbidden("the API key is not valid or has been revoked") }
            return try await body()
        }
    }

    /// Runs an endpoint and prints its answer in the asked format (its errors are the group's
    /// middleware's to answer).
    static func answer(_ format: Open311Format, _ body: () async throws -> Open311Document) async throws -> Response {
        response(try await body(), format)
    }

    static func response(_ document: Open311Document, _ format: Open311Format) -> Response {
        Response(status: .ok, headers: [.contentType: format.contentType], body: .init(byteBuffer: ByteBuffer(bytes: document.encoded(format))))
    }
}

/// An Open311 error: `[{"code": 400, "description": "…"}]` or `<errors><error>…`.
struct Open311Error: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    var format: Open311Format

    /// The spec's statuses: 404 missing, 403 for keys (a missing key too), 400 for the rest.
    init(_ error: APIError, format: Open311Format) {
        switch error.status.code {
        case 404: status = .notFound
        case 401, 403: status = .forbidden
        // An Idempotency-Key reused for another request: a conflict, as for every client.
        case 409: status = .conflict
        // Over the key's rate: the client is to wait (Retry-After), not to fix its request.
        case 429: status = .tooManyRequests
        case 400..<500: status = .badRequest
        default: status = error.status
        }
        message = error.message
        self.format = format
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let node = Open311Node.list(item: "error", [.object([("code", .integer(status.code)), ("description", .text(message))])])
        return Response(status: status, headers: [.contentType: format.contentType],
                        body: .init(byteBuffer: ByteBuffer(bytes: Open311Document(root: "errors", node: node).encoded(format))))
    }
}
