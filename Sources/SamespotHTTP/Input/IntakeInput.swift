import Foundation
import SamespotCore
import SamespotService
import SamespotStore

/// The fields of a new request however they came — Samespot's JSON or Open311's form — so
/// both are checked by the same rules, once.
struct IntakeFields {
    var serviceCode: String?
    var description: String = ""
    var lat: Double?
    var long: Double?
    var addressID: Int64?
    var address: String?
    var channel: String?
    var firstName: String?
    var lastName: String?
    var email: String?
    var phone: String?
    var postalAddress: String?
    var preferredContact: String?
    var mediaURL: String = ""
    var attributes: [String: [String]] = [:]
    /// How the caller names the location fields, for the message when none is sent.
    var locationFields = "lat and long, address_id, or address"
}

/// Checks a new request's fields and builds what intake takes; each refusal names the field
/// and what it takes.
enum IntakeInput {
    static let maxAddressLength = 500
    static let maxTextLength = 4_000

    static func newRequest(_ fields: IntakeFields, actor: String) throws -> NewRequest {
        guard let code = fields.serviceCode?.trimmingASCIIWhitespace(), !code.isEmpty else {
            throw APIError.badRequest("service_code is required")
        }
        try TextCheck.singleLine(code, field: "service_code")
        try TextCheck.multiLine(fields.description, field: "description", maxLength: maxTextLength)
        switch (fields.lat, fields.long) {
        case (nil, nil): break
        case let (lat?, long?):
            guard lat.isFinite, long.isFinite, (-90...90).contains(lat), (-180...180).contains(long) else {
                throw APIError.badRequest("lat must be in -90…90 and long in -180…180")
            }
        default: throw APIError.badRequest("lat and long go together: send both or neither")
        }
        let address = fields.address?.trimmingASCIIWhitespace()
        if fields.lat == nil, fields.addressID == nil, address?.isEmpty ?? true {
            throw APIError.badRequest("a location is required: \(fields.locationFields)")
        }
        if let address, !address.isEmpty { try checkAddress(address) }
        try checkMediaURL(fields.mediaURL)
        for (code, values) in fields.attributes {
            for value in values { try TextCheck.multiLine(value, field: "attribute[\(code.prefix(40))]", maxLength: ServiceAttribute.maxValueLength) }
        }
        return NewRequest(
            serviceCode: code, description: fields.description, longitude: fields.long, latitude: fields.lat,
            addressID: fields.lat == nil ? fields.addressID : nil, address: address?.isEmpty == true ? nil : address,
            channel: try channel(fields.channel),
            requester: try requester(fields.firstName, fields.lastName, fields.email, fields.phone,
                                     postalAddress: fields.postalAddress, preferredContact: fields.preferredContact),
            attributes: fields.attributes, mediaURL: fields.mediaURL, actor: actor)
    }

    static func channel(_ text: String?) throws -> String {
        let channel = text?.trimmingASCIIWhitespace() ?? ""
        guard channel.count <= 40 else { throw APIError.badRequest("channel is longer than 40 characters") }
        try TextCheck.singleLine(channel, field: "channel")
        return channel.isEmpty ? "api" : channel
    }

    /// The caller's name and contacts, each one line of at most 200 characters; nil when none.
    static func requester(_ first: String?, _ last: String?, _ email: String?, _ phone: String?,
                          postalAddress: String? = nil, preferredContact: String? = nil) throws -> PreparedIntake.Requester? {
        let fields = [("first_name", first), ("last_name", last), ("email", email), ("phone", phone)]
        for (name, value) in fields {
            guard let value else { continue }
            guard value.count <= 200 else { throw APIError.badRequest("\(name) is longer than 200 characters") }
            try TextCheck.singleLine(value, field: name)
        }
        if let email, !email.isEmpty, !email.contains("@") { throw APIError.badRequest("email is not an email address") }
        let postal = postalAddress ?? ""
        try TextCheck.multiLine(postal, field: "postal_address", maxLength: 500)
        let preferred = preferredContact?.trimmingASCIIWhitespace().lowercased() ?? ""
        guard ["", "email", "phone", "postal"].contains(preferred) else {
            throw APIError.badRequest("preferred_contact must be email, phone or postal")
        }
        guard fields.contains(where: { !($0.1 ?? "").isEmpty }) || !postal.isEmpty else { return nil }
        return .init(firstName: first ?? "", lastName: last ?? "", email: email ?? "", phone: phone ?? "",
                     postalAddress: postal, preferredContact: preferred)
    }

    /// A photo's address: http(s), one line, at most 2,000 characters; empty means none.
    static func checkMediaURL(_ media: String) throws {
        guard !media.isEmpty else { return }
        let oneLine = !media.unicodeScalars.contains { $0.properties.generalCategory == .control }
        guard media.count <= 2_000, oneLine, media.hasPrefix("http://") || media.hasPrefix("https://"), URL(string: media) != nil else {
            throw APIError.badRequest("media_url must be an http or https address of at most 2000 characters")
        }
    }

    /// Empty, over-long or control-character text is refused with a reason, before any work.
    static func checkAddress(_ address: String) throws {
        let trimmed = address.trimmingASCIIWhitespace()
        if trimmed.isEmpty { throw APIError.badRequest("address is empty") }
        if address.count > maxAddressLength {
            throw APIError.badRequest("address is \(address.count) characters; at most \(maxAddressLength)")
        }
        try TextCheck.singleLine(address, field: "address")
    }
}
