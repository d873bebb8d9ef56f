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

    struct Body: Decodable {
        var serviceCode: String?
        var description: String?
        var lat: Double?
        var long: Double?
        var address: String?
        var addressId: Int64?
        var channel: String?
        var firstName: String?
        var lastName: String?
        var email: String?
        var phone: String?
        var mediaUrl: String?
        /// Answers to the type's questions: `{"code": "value"}` or `{"code": ["a", "b"]}`.
        var attributes: [String: Open311Body.JSONField]?
    }

    struct JoinBody: Decodable {
        var description: String?
        var channel: String?
        var firstName: String?
        var lastName: String?
        var email: String?
        var phone: String?
    }

    /// Keys spelled out (encoded with `literalKeys`): intake is the hot path.
    struct Answer: Encodable {
        struct Decision: Encodable {
            var distanceM: Double?
            var ageSeconds: Double
            var score: Double
            var sameAddress: Bool
            var sameBlock: Bool
            var rule: CaseRoutes.RuleAnswer
            enum CodingKeys: String, CodingKey {
                case distanceM = "distance_m", ageSeconds = "age_seconds", score, sameAddress = "same_address", sameBlock = "same_block", rule
            }
        }
        struct Location: Encodable {
            var precision: String
            var lat: Double?
            var long: Double?
            var address: String?
            var ward: String?
            var geocodeReasons: [String]
            enum CodingKeys: String, CodingKey { case precision, lat, long, address, ward, geocodeReasons = "geocode_reasons" }
        }
        var serviceRequestId: String
        var token: String
        var duplicate: Bool
        var parentServiceRequestId: String?
        var decision: Decision?
        var location: Location
        enum CodingKeys: String, CodingKey {
            case serviceRequestId = "service_request_id", token, duplicate, parentServiceRequestId = "parent_service_request_id", decision, location
        }
    }

    struct JoinAnswer: Encodable {
        var serviceRequestId: String
        var token: String
        var parentServiceRequestId: String?
        var joined: Bool
    }

    func register(on api: APIRouter) {
        api.post("/v1/requests") { request, context in
            let principal = try context.require(.intake)
            let body: Body = try await JSONBody.decode(request, limit: 1 << 20,
                example: #"{"service_code": "…", "lat": 41.88, "long": -87.63} or {"service_code": "…", "address": "…"}"#)
            let new = try Self.validate(body, actor: principal.actor)
            let receipt = try await Self.mapIntakeErrors { try await intake.submit(new) }
            let outcome = receipt.outcome
            let decision = outcome.decision.map {
                Answer.Decision(distanceM: $0.distanceMetres, ageSeconds: $0.ageSeconds, score: $0.score,
                                sameAddress: $0.sameAddress, sameBlock: $0.sameBlock,
                                rule: .init(rule: $0.rule, stored: intake.indexes.catalog.types[new.serviceCode]?.ruleIsStored ?? false))
            }
            let answer = Answer(
                serviceRequestId: outcome.serviceRequestID, token: outcome.token, duplicate: outcome.parentRequestID != nil,
                parentServiceRequestId: outcome.parentServiceRequestID, decision: decision,
                location: .init(precision: receipt.precision.rawValue, lat: receipt.latitude, long: receipt.longitude,
                                address: receipt.address.isEmpty ? nil : receipt.address, ward: receipt.ward,
                                geocodeReasons: receipt.geocode?.reasons ?? []))
            return try JSONResponse.encode(literalKeys: answer, status: .created)
        }

        api.post("/v1/cases/{id}/join") { request, context in
            let principal = try context.require(.intake)
            let id = try context.parameters.require("id")
            let body: JoinBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"first_name": "…", "phone": "…", "description": "…"}"#)
            let description = body.description ?? ""
            try TextCheck.multiLine(description, field: "description", maxLength: 4_000)
            let requester = try Self.requester(body.firstName, body.lastName, body.email, body.phone)
            let channel = try Self.channel(body.channel)
            let outcome = try await Self.mapIntakeErrors {
                try await intake.join(id, caller: .init(requester: requester, description: description, channel: channel, actor: principal.actor))
            }
            return try JSONResponse.encode(JoinAnswer(serviceRequestId: outcome.serviceRequestID, token: outcome.token,
                                                      parentServiceRequestId: outcome.parentServiceRequestID, joined: true),
                                           status: .created)
        }
    }

    static func validate(_ body: Body, actor: String) throws -> NewRequest {
        guard let code = body.serviceCode?.trimmingASCIIWhitespace(), !code.isEmpty else {
            throw APIError.badRequest("service_code is required")
        }
        try TextCheck.singleLine(code, field: "service_code")
        let description = body.description ?? ""
        try TextCheck.multiLine(description, field: "description", maxLength: 4_000)
        switch (body.lat, body.long) {
        case (nil, nil): break
        case let (lat?, long?):
            guard (-90...90).contains(lat), (-180...180).contains(long) else { throw APIError.badRequest("lat must be in -90…90 and long in -180…180") }
        default: throw APIError.badRequest("lat and long go together: send both or neither")
        }
        let address = body.address?.trimmingASCIIWhitespace()
        if body.lat == nil, body.addressId == nil, address?.isEmpty ?? true {
            throw APIError.badRequest("a location is required: lat and long, address_id, or address")
        }
        if let address, !address.isEmpty { try GeocodeRoutes.check(address) }
        let media = body.mediaUrl ?? ""
        try Open311Body.checkMediaURL(media)
        var attributes: [String: [String]] = [:]
        for (code, value) in body.attributes ?? [:] {
            let values = value.scalars
            for v in values { try TextCheck.multiLine(v, field: "attributes.\(code.prefix(40))", maxLength: ServiceAttribute.maxValueLength) }
            attributes[code] = values
        }
        return NewRequest(
            serviceCode: code, description: description, longitude: body.long, latitude: body.lat,
            addressID: body.lat == nil ? body.addressId : nil, address: address?.isEmpty == true ? nil : address,
            channel: try channel(body.channel), requester: try requester(body.firstName, body.lastName, body.email, body.phone),
            attributes: attributes, mediaURL: media, actor: actor)
    }

    static func channel(_ text: String?) throws -> String {
        let channel = text?.trimmingASCIIWhitespace() ?? ""
        guard channel.count <= 40 else { throw APIError.badRequest("channel is longer than 40 characters") }
        try TextCheck.singleLine(channel, field: "channel")
        return channel.isEmpty ? "api" : channel
    }

    /// The caller's name and contacts, each one line of at most 200 characters; nil when none.
    static func requester(_ first: String?, _ last: String?, _ email: String?, _ phone: String?) throws -> PreparedIntake.Requester? {
        let fields = [("first_name", first), ("last_name", last), ("email", email), ("phone", phone)]
        for (name, value) in fields {
            guard let value else { continue }
            guard value.count <= 200 else { throw APIError.badRequest("\(name) is longer than 200 characters") }
            try TextCheck.singleLine(value, field: name)
        }
        if let email, !email.isEmpty, !email.contains("@") { throw APIError.badRequest("email is not an email address") }
        guard fields.contains(where: { !($0.1 ?? "").isEmpty }) else { return nil }
        return .init(firstName: first ?? "", lastName: last ?? "", email: email ?? "", phone: phone ?? "")
    }

    /// Intake's refusals as HTTP: 422 for a request that reads fine but cannot be taken, 404 and
    /// 409 for a join to a missing or closed case.
    static func mapIntakeErrors<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await CaseRoutes.mapErrors(body) } catch let error as IntakeError {
            throw APIError.unprocessable(error.description)
        }
    }
}

/// JSON bodies of Samespot's own endpoints: snake_case keys, a size limit, and a 400 that shows
/// what a body should look like.
enum JSONBody {
    static func decode<T: Decodable>(_ request: Request, limit: Int, example: String) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw APIError(.contentTooLarge, "the body is larger than \(limit / 1024) KiB")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        // No body at all reads as an empty object: every field of some bodies is optional.
        let data = buffer.readableBytes == 0 ? Data("{}".utf8) : Data(buffer: buffer)
        do { return try decoder.decode(T.self, from: data) } catch {
            throw APIError.badRequest("the body must be JSON like \(example)")
        }
    }
}
