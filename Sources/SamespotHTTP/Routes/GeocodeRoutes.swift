import Foundation
import Hummingbird
import SamespotCore
import SamespotGeo
import SamespotService

/// `GET /v1/geocode?address=…`, `POST /v1/geocode` (batch) and `GET /v1/reverse?lat=…&long=…`.
struct GeocodeRoutes {
    let indexes: CityIndexes

    static let maxBatch = 10_000

    /// One answer: the geocode plus the ward of its point in the set in use.
    struct Answer: Encodable {
        var result: GeocodeResult
        var ward: String?
        var wardSet: String?

        func encode(to encoder: any Encoder) throws {
            try result.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(ward, forKey: .ward)
            try container.encode(wardSet, forKey: .wardSet)
        }
        enum Keys: String, CodingKey { case ward, wardSet }
    }

    struct BatchRequest: Decodable { var addresses: [String] }
    struct BatchItemError: Encodable { var input: String; var error: String }
    struct BatchAnswer: Encodable { var count: Int; var results: [BatchItem] }
    enum BatchItem: Encodable {
        case answer(Answer), error(BatchItemError)
        func encode(to encoder: any Encoder) throws {
            switch self {
            case .answer(let a): try a.encode(to: encoder)
            case .error(let e): try e.encode(to: encoder)
            }
        }
    }

    func register(on api: APIRouter) {
        api.get("/v1/geocode") { request, context in
            _ = try context.require(.geocode)
            let query = QueryParameters(request)
            guard query.has("address") else {
                throw APIError.badRequest("the query parameter address is required, e.g. /v1/geocode?address=1200 W 63rd St")
            }
            guard let address = try query.text("address") else { throw APIError.badRequest("address is empty") }
            try IntakeInput.checkAddress(address)
            let snapshot = indexes.snapshot
            return try JSONResponse.encode(Self.answer(address, snapshot, context: GEOSContext()))
        }

        // Completions while staff type: cheap (a scan of the street names in memory), so the
        // page may ask on every keystroke it keeps.
        api.get("/v1/geocode/suggest") { request, context in
            _ = try context.require(.geocode)
            let query = QueryParameters(request)
            guard let text = try query.text("q") else {
                throw APIError.badRequest("the query parameter q is required: the address as typed so far, e.g. ?q=1200 w 63")
            }
            try IntakeInput.checkAddress(text)
            let limit = try query.int("limit", in: 1...50) ?? 8
            struct Suggestions: Encodable { var query: String; var suggestions: [AddressSuggestion] }
            return try JSONResponse.encode(Suggestions(query: text, suggestions: indexes.snapshot.geocoder.suggest(text, limit: limit)))
        }

        api.post("/v1/geocode") { request, context in
            _ = try context.require(.batchGeocode)
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: 16 << 20) } catch {
                throw APIError(.contentTooLarge, "the body is larger than 16 MiB; send at most \(Self.maxBatch) addresses per request")
            }
            let batch: BatchRequest
            do {
                batch = try JSONDecoder().decode(BatchRequest.self, from: Data(buffer: body))
            } catch {
                throw APIError.badRequest(#"the body must be JSON: {"addresses": ["1200 W 63rd St", …]}"#)
            }
            guard !batch.addresses.isEmpty else { throw APIError.badRequest("addresses is empty: send 1 to \(Self.maxBatch) addresses") }
            guard batch.addresses.count <= Self.maxBatch else {
                throw APIError(.contentTooLarge, "\(batch.addresses.count) addresses sent; at most \(Self.maxBatch) per request")
            }
            let snapshot = indexes.snapshot
            let geos = GEOSContext()  // one for the whole batch
            let items = batch.addresses.map { address -> BatchItem in
                do {
                    try IntakeInput.checkAddress(address)
                    return .answer(Self.answer(address, snapshot, context: geos))
                } catch let error as APIError {
                    return .error(BatchItemError(input: String(address.prefix(IntakeInput.maxAddressLength)), error: error.message))
                } catch {
                    return .error(BatchItemError(input: "", error: "cannot read this address"))
                }
            }
            return try JSONResponse.encode(BatchAnswer(count: items.count, results: items))
        }

        api.get("/v1/reverse") { request, context in
            _ = try context.require(.geocode)
            let longitude = try Self.coordinate(request, "long", range: -180...180)
            let latitude = try Self.coordinate(request, "lat", range: -90...90)
            let snapshot = indexes.snapshot
            let ward = snapshot.wards?.ward(longitude: longitude, latitude: latitude, context: GEOSContext())
            if snapshot.wards != nil, ward == nil {
                throw APIError.unprocessable("\(latitude), \(longitude) is outside the city (no ward of \(snapshot.wardSet?.name ?? "the set") holds it)")
            }
            guard let nearest = snapshot.geocoder.reverse(longitude: longitude, latitude: latitude) else {
                throw APIError.unprocessable("no address within 500 m of \(latitude), \(longitude)")
            }
            struct Reverse: Encodable { var nearest: ReverseGeocodeResult; var ward: String?; var wardSet: String? }
            return try JSONResponse.encode(Reverse(nearest: nearest, ward: ward, wardSet: snapshot.wardSet?.name))
        }
    }

    static func answer(_ address: String, _ snapshot: CityIndexes.Snapshot, context: GEOSContext) -> Answer {
        let result = snapshot.geocoder.geocode(address)
        var ward: String?
        if let lon = result.longitude, let lat = result.latitude, let wards = snapshot.wards {
            ward = wards.ward(longitude: lon, latitude: lat, context: context)
        }
        return Answer(result: result, ward: ward, wardSet: snapshot.wardSet?.name)
    }

    static func coordinate(_ request: Request, _ name: String, range: ClosedRange<Double>) throws -> Double {
        guard let value = try QueryParameters(request).double(name, in: range) else {
            throw APIError.badRequest("the query parameters lat and long are required, e.g. /v1/reverse?lat=41.8781&long=-87.6298")
        }
        return value
    }
}
