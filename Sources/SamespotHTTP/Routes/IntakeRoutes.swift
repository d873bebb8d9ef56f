import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// `POST /v1/requests`: Samespot's own intake (JSON). The answer says whether the request was
/// merged into an open case, and why; it never echoes the requester's personal data.
struct IntakeRoutes {
    let intake: IntakeService

    struct Body: Decodable {
        var serviceCode: String?
        var description: String?
        var lat: Double?
        var long: Double?
        var address: String?
        var channel: String?
        var firstName: String?
        var lastName: String?
        var email: String?
        var phone: String?
    }

    struct Answer: Encodable {
        struct Decision: Encodable {
            var distanceM: Double?
            var ageSeconds: Double
            var score: Double
            var sameAddress: Bool
            var sameBlock: Bool
            var rule: DedupRule
        }
        struct Location: Encodable {
            var precision: String
            var lat: Double?
            var long: Double?
            var address: String?
            var geocodeReasons: [String]
        }
        var serviceRequestId: String
        var duplicate: Bool
        var parentServiceRequestId: String?
        var decision: Decision?
        var location: Location
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/requests") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            let body: Body
            do { body = try decoder.decode(Body.self, from: Data(buffer: buffer)) } catch {
                throw APIError.badRequest(#"the body must be JSON: {"service_code": "…", "lat": …, "long": …} or {"service_code": "…", "address": "…"}"#)
            }
            let new = try Self.validate(body)
            let outcome: IntakeOutcome, geocode: GeocodeResult?
            do {
                (outcome, geocode) = try await intake.submit(new)
            } catch let error as StoreError {
                if case .notFound = error { throw APIError.unprocessable("unknown service_code \(new.serviceCode): see /v1/services") }
                throw error
            }
            let decision = outcome.decision.map {
                Answer.Decision(distanceM: $0.distanceMetres, ageSeconds: $0.ageSeconds, score: $0.score,
                                sameAddress: $0.sameAddress, sameBlock: $0.sameBlock, rule: $0.rule)
            }
            let answer = Answer(
                serviceRequestId: outcome.serviceRequestID, duplicate: outcome.parentRequestID != nil,
                parentServiceRequestId: outcome.parentServiceRequestID, decision: decision,
                location: .init(precision: (new.longitude != nil ? LocationPrecision.caller : geocode?.precision ?? .none).rawValue,
                                lat: new.latitude ?? geocode?.latitude, long: new.longitude ?? geocode?.longitude,
                                address: geocode?.matched, geocodeReasons: geocode?.reasons ?? []))
            return try JSONResponse.encode(answer, status: .created)
        }
    }

    static func validate(_ body: Body) throws -> NewRequest {
        guard let code = body.serviceCode?.trimmingASCIIWhitespace(), !code.isEmpty else {
            throw APIError.badRequest("service_code is required")
        }
        let description = body.description ?? ""
        guard description.count <= 4_000 else { throw APIError.badRequest("description is \(description.count) characters; at most 4000") }
        switch (body.lat, body.long) {
        case (nil, nil): break
        case let (lat?, long?):
            guard (-90...90).contains(lat), (-180...180).contains(long) else { throw APIError.badRequest("lat must be in -90…90 and long in -180…180") }
        default: throw APIError.badRequest("lat and long go together: send both or neither")
        }
        let address = body.address?.trimmingASCIIWhitespace()
        if body.lat == nil, address?.isEmpty ?? true {
            throw APIError.badRequest("a location is required: lat and long, or address")
        }
        if let address { try GeocodeRoutes.check(address) }
        let hasRequester = [body.firstName, body.lastName, body.email, body.phone].contains { !($0 ?? "").isEmpty }
        return NewRequest(
            serviceCode: code, description: description, longitude: body.long, latitude: body.lat, address: address,
            channel: body.channel ?? "api",
            requester: hasRequester
                ? .init(firstName: body.firstName ?? "", lastName: body.lastName ?? "", email: body.email ?? "", phone: body.phone ?? "")
                : nil)
    }
}
