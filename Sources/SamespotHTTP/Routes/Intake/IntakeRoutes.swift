import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// Samespot's own intake for staff (`POST /v1/requests`, JSON) and joining a caller to a case
/// they found already reported (`POST /v1/cases/{id}/join`). Answers say whether the request
/// was merged into an open case, and why; they never echo the requester's personal data.
struct IntakeRoutes {
    let intake: IntakeService

    func register(on api: APIRouter) {
        api.post("/v1/requests") { request, context in
            let principal = try context.require(.intake)
            let body: Body = try await JSONBody.decode(request, limit: 1 << 20,
                example: #"{"service_code": "…", "lat": 41.88, "long": -87.63} or {"service_code": "…", "address": "…"}"#)
            var new = try IntakeInput.newRequest(body.fields, actor: principal.actor)
            new.idempotencyKey = try IdempotencyKeyHeader.read(request, principal: principal)
            let receipt = try await intake.submit(new)
            let outcome = receipt.outcome
            let decision = outcome.decision.map {
                Answer.Decision(distanceM: $0.distanceMetres, ageSeconds: $0.ageSeconds, score: $0.score,
                                sameAddress: $0.sameAddress, sameBlock: $0.sameBlock,
                                rule: .init(rule: $0.rule, stored: intake.indexes.catalog.types[new.serviceCode]?.ruleIsStored ?? false),
                                model: $0.explanation.map(ModelReasons.init))
            }
            let answer = Answer(
                serviceRequestId: outcome.serviceRequestID, token: outcome.token, duplicate: outcome.parentRequestID != nil,
                parentServiceRequestId: outcome.parentServiceRequestID, decision: decision,
                location: .init(precision: receipt.precision.rawValue, lat: receipt.latitude, long: receipt.longitude,
                                address: receipt.address.isEmpty ? nil : receipt.address, ward: receipt.ward,
                                geocodeReasons: receipt.geocode?.reasons ?? []))
            var response = try JSONResponse.encode(literalKeys: answer, status: .created)
            IdempotencyKeyHeader.mark(&response, replayed: outcome.replayed)
            return response
        }

        api.post("/v1/cases/{id}/join") { request, context in
            let principal = try context.require(.intake)
            let id = try context.parameters.require("id")
            let body: JoinBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"first_name": "…", "phone": "…", "description": "…"}"#)
            let description = body.description ?? ""
            try TextCheck.multiLine(description, field: "description", maxLength: IntakeInput.maxTextLength)
            let requester = try IntakeInput.requester(body.firstName, body.lastName, body.email, body.phone,
                                                      postalAddress: body.postalAddress, preferredContact: body.preferredContact)
            let channel = try IntakeInput.channel(body.channel)
            var caller = IntakeStore.JoiningCaller(requester: requester, description: description, channel: channel, actor: principal.actor)
            if let (scope, key) = try IdempotencyKeyHeader.read(request, principal: principal) {
                caller.idempotency = IntakeService.joinClaim(scope: scope, key: key, tracking: id, caller: caller)
            }
            let outcome = try await intake.join(id, caller: caller)
            var response = try JSONResponse.encode(JoinAnswer(serviceRequestId: outcome.serviceRequestID, token: outcome.token,
                                                              parentServiceRequestId: outcome.parentServiceRequestID, joined: true),
                                                   status: .created)
            IdempotencyKeyHeader.mark(&response, replayed: outcome.replayed)
            return response
        }
    }
}
