import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// The body of an Open311 POST: the spec's form encoding, the same fields as a JSON object
/// (`"attribute": {"code": "value" | ["a", "b"]}` or `"attribute[code]"` keys), or as
/// `multipart/form-data` (a browser's `FormData`, a phone app's post with its photo as `media`).
enum Open311Body {
    static let maxBodyBytes = 1 << 20
    /// A multipart post may carry a photo: the photo's limit and the fields' together.
    static let maxMultipartBytes = IntakeService.maxPhotoBytes + maxBodyBytes

    /// What a post carries: its fields in order, and its photo when it sent one.
    struct Submission {
        var pairs: [(key: String, value: String)]
        var photo: IntakePhoto?
    }

    static func read(_ request: Request) async throws -> Submission {
        let type = request.headers[.contentType] ?? ""
        let multipart = type.lowercased().hasPrefix("multipart/")
        let limit = multipart ? maxMultipartBytes : maxBodyBytes
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw APIError.badRequest("the body is larger than \(limit >> 20) MiB")
        }
        if multipart { return try Open311Multipart.read(buffer, contentType: type) }
        let bytes = Array(buffer: buffer)
        if type.lowercased().hasPrefix("application/json") {
            return Submission(pairs: try jsonPairs(bytes))
        }
        do { return Submission(pairs: try FormURLEncoded.parse(bytes)) } catch {
            throw APIError.badRequest(error.message)
        }
    }

    /// The fields a client put in the POST's URL rather than its body (the `api_key`, most often,
    /// as some Open311 libraries do), for the names the body does not have: the body's win.
    static func urlFields(of request: Request, besides body: [(key: String, value: String)]) throws -> [(key: String, value: String)] {
        guard let query = request.uri.query, !query.isEmpty else { return [] }
        let inBody = Set(body.map(\.key))
        do { return try FormURLEncoded.parse(Array(query.utf8)).filter { !inBody.contains($0.key) } } catch {
            throw APIError.badRequest("the URL's query: \(error.message)")
        }
    }

    private static func jsonPairs(_ bytes: [UInt8]) throws -> [(key: String, value: String)] {
        guard let object = try? JSONDecoder().decode([String: JSONField].self, from: Data(bytes)) else {
            throw APIError.badRequest(#"the body must be a JSON object such as {"service_code": "…", "lat": 41.88, "long": -87.63}"#)
        }
        var pairs: [(key: String, value: String)] = []
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            if key == "attribute", case .object(let attributes) = value {
                for (code, answer) in attributes.sorted(by: { $0.key < $1.key }) {
                    for v in answer.scalars { pairs.append(("attribute[\(code)]", v)) }
                }
            } else {
                for v in value.scalars { pairs.append((key, v)) }
            }
        }
        return pairs
    }

    /// A JSON value of an Open311 body, read as the text the form encoding would have carried.
    indirect enum JSONField: Decodable {
        case scalar(String), list([JSONField]), object([String: JSONField]), null

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .scalar(b ? "true" : "false") }
            else if let d = try? c.decode(Double.self) { self = .scalar(d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)) }
            else if let s = try? c.decode(String.self) { self = .scalar(s) }
            else if let l = try? c.decode([JSONField].self) { self = .list(l) }
            else { self = .object(try c.decode([String: JSONField].self)) }
        }

        var scalars: [String] {
            switch self {
            case .scalar(let s): return [s]
            case .list(let items): return items.flatMap(\.scalars)
            case .object, .null: return []
            }
        }
    }

    /// The fields by name: the first value of each.
    struct Fields {
        let pairs: [(key: String, value: String)]
        private let first: [String: String]

        init(_ pairs: [(key: String, value: String)]) {
            self.pairs = pairs
            var first: [String: String] = [:]
            for (k, v) in pairs where first[k] == nil { first[k] = v }
            self.first = first
        }

        /// Trimmed, nil when absent or empty.
        func first(_ name: String) -> String? {
            guard let v = first[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }

        /// As sent (descriptions keep their line breaks and spaces).
        func raw(_ name: String) -> String? { first[name] }
    }

    /// Checks the fields and builds the request intake takes. Unknown fields are ignored
    /// (`jurisdiction_id`, `device_id`, `account_id`, …), as are location ids clients use for
    /// "no pin" (`address_id=#NOTPINPOINTED#`).
    static func newRequest(_ form: Fields, actor: String) throws -> NewRequest {
        var fields = IntakeFields(locationFields: "lat and long, address_string or address_id")
        fields.serviceCode = form.first("service_code")
        fields.lat = try form.first("lat").map { try QueryParameters.number($0, name: "lat", in: -90...90) }
        fields.long = try form.first("long").map { try QueryParameters.number($0, name: "long", in: -180...180) }
        fields.addressID = form.first("address_id").flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil }
        fields.address = form.first("address_string")
        fields.description = form.raw("description") ?? ""
        fields.channel = "open311"
        (fields.firstName, fields.lastName, fields.email, fields.phone) =
            (form.first("first_name"), form.first("last_name"), form.first("email"), form.first("phone"))
        fields.mediaURL = form.first("media_url") ?? ""
        fields.attributes = FormURLEncoded.attributes(form.pairs)
        return try IntakeInput.newRequest(fields, actor: actor)
    }
}
