import Foundation
import SamespotCore

// The wire types of intake: what `POST /v1/requests` and `POST /v1/cases/{id}/join` read and answer.

extension IntakeRoutes {
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
        var postalAddress: String?
        var preferredContact: String?
        var mediaUrl: String?
        /// Answers to the type's questions: `{"code": "value"}` or `{"code": ["a", "b"]}`.
        var attributes: [String: Open311Body.JSONField]?

        var fields: IntakeFields {
            IntakeFields(
                serviceCode: serviceCode, description: description ?? "", lat: lat, long: long, addressID: addressId, address: address,
                channel: channel, firstName: firstName, lastName: lastName, email: email, phone: phone, postalAddress: postalAddress,
                preferredContact: preferredContact, mediaURL: mediaUrl ?? "",
                attributes: (attributes ?? [:]).mapValues(\.scalars))
        }
    }

    struct JoinBody: Decodable {
        var description: String?
        var channel: String?
        var firstName: String?
        var lastName: String?
        var email: String?
        var phone: String?
        var postalAddress: String?
        var preferredContact: String?
    }

    /// Keys spelled out (encoded with `literalKeys`): intake is the hot path.
    struct Answer: Encodable {
        struct Decision: Encodable {
            var distanceM: Double?
            var ageSeconds: Double
            var score: Double
            var sameAddress: Bool
            var sameBlock: Bool
            var rule: RuleAnswer
            /// The learned model's reasons; nil when the type's rule decided.
            var model: ModelReasons?
            enum CodingKeys: String, CodingKey {
                case distanceM = "distance_m", ageSeconds = "age_seconds", score, sameAddress = "same_address", sameBlock = "same_block", rule, model
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
}
