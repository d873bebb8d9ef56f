import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// `GET /v1/matches`: "already reported". Open cases near a spot, with distance, age, status and
/// child count, best first. The radius a caller may ask for depends on the role: 250 m for the
/// public, 1,000 m for staff (FixMyStreet's practice).
struct MatchRoutes {
    let matches: MatchService
    let clock: CityClock

    /// Keys spelled out (encoded with `literalKeys`): matches are asked while staff type.
    struct Answer: Encodable {
        struct SpotAnswer: Encodable { var lat: Double; var long: Double; var precision: String; var address: String?; var ward: String? }
        struct Item: Encodable {
            enum CodingKeys: String, CodingKey {
                case serviceRequestId = "service_request_id", serviceCode = "service_code", serviceName = "service_name", status, address
                case lat, long, distanceM = "distance_m", ageDays = "age_days", requestedDatetime = "requested_datetime"
                case childCount = "child_count", wouldMerge = "would_merge", score, sameAddress = "same_address", sameBlock = "same_block"
            }
            var serviceRequestId: String
            var serviceCode: String
            var serviceName: String
            var status: String
            var address: String
            var lat: Double
            var long: Double
            var distanceM: Double
            var ageDays: Double
            var requestedDatetime: String
            var childCount: Int
            var wouldMerge: Bool
            var score: Double?
            var sameAddress: Bool
            var sameBlock: Bool
        }
        var spot: SpotAnswer
        var radiusM: Double
        var serviceCode: String?
        var count: Int
        var matches: [Item]
        enum CodingKeys: String, CodingKey { case spot, radiusM = "radius_m", serviceCode = "service_code", count, matches }
    }

    func register(on api: APIRouter) {
        api.get("/v1/matches") { request, context in
            let principal = try context.require(.matches)
            let query = QueryParameters(request)
            let lat = try query.double("lat", in: -90...90), long = try query.double("long", in: -180...180)
            guard (lat == nil) == (long == nil) else { throw APIError.badRequest("lat and long go together: send both or neither") }
            let address = try query.text("address")
            if let address { try IntakeInput.checkAddress(address) }
            guard lat != nil || address != nil else {
                throw APIError.badRequest("say where: lat and long, or address, e.g. /v1/matches?address=1200 W 63rd St&service_code=PHF")
            }
            let serviceCode = try query.string("service_code")
            let maxRadius = principal.maxMatchRadiusMetres
            let radius = try query.double("radius", in: 1...1_000_000) ?? maxRadius
            guard radius <= maxRadius else {
                throw APIError.forbidden("radius \(Int(radius)) m is wider than this key allows (\(Int(maxRadius)) m)")
            }
            let limit = try query.int("limit", in: 1...100) ?? 20
            let spot = try matches.locate(address: address, longitude: long, latitude: lat)
            let found = try await matches.matches(at: spot, serviceCode: serviceCode, radius: radius, limit: limit)
            // The public sees sensitive types at the block, and their distance to the nearest 50 m.
            let publicView = !principal.can(.readCases)
            let items = found.map { m -> Answer.Item in
                let hide = publicView && m.sensitive
                let c = m.nearby
                return Answer.Item(
                    serviceRequestId: c.serviceRequestID, serviceCode: c.serviceCode, serviceName: m.serviceName,
                    status: c.status.rawValue,
                    address: hide ? PublicLocation.blockAddress(blockKey: c.blockKey, address: c.address) : c.address,
                    lat: hide ? PublicLocation.rounded(c.latitude)! : c.latitude,
                    long: hide ? PublicLocation.rounded(c.longitude)! : c.longitude,
                    distanceM: hide ? (m.distanceMetres / 50).rounded() * 50 : (m.distanceMetres * 10).rounded() / 10,
                    ageDays: (m.ageSeconds / 8_640).rounded() / 10, requestedDatetime: clock.w3c(c.requestedAt),
                    childCount: c.childCount, wouldMerge: m.wouldMerge, score: m.score.map { ($0 * 1_000).rounded() / 1_000 },
                    sameAddress: m.sameAddress, sameBlock: m.sameBlock)
            }
            let answer = Answer(spot: .init(lat: spot.latitude, long: spot.longitude, precision: spot.precision.rawValue,
                                            address: spot.address, ward: spot.ward),
                                radiusM: radius, serviceCode: serviceCode, count: items.count, matches: items)
            return try JSONResponse.encode(literalKeys: answer)
        }
    }
}
