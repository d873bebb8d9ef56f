import Foundation
import SamespotCore
@testable import SamespotStore
import Testing

/// The open spots' nearest search keeps only the best `limit` while it walks: what it answers
/// must still be the first `limit` of the whole circle in (distance, id) order, whatever order
/// the cases were held in, with the type filters applied before the limit.
@Suite struct OpenSpotIndexTests {
    static func spot(_ id: Int64, x: Double, y: Double, code: String = "PHF") -> OpenCaseNearby {
        OpenCaseNearby(requestID: id, serviceRequestID: "SS26-\(id)", serviceCode: code, status: .open, requestedAt: Date(timeIntervalSince1970: 0),
                       dateOnly: false, x: x, y: y, longitude: 0, latitude: 0, address: "", addressKey: "", blockKey: "", childCount: 0)
    }

    @Test func theLimitCutsTiesByIdAndFiltersComeFirst() {
        var index = OpenSpotIndex()
        var spots: [OpenCaseNearby] = []
        // Eight at one spot (a tie), spread over two cells' worth of ids; four a little farther; one outside.
        for id in [40, 7, 23, 3, 31, 12, 5, 19] as [Int64] { spots.append(Self.spot(id, x: 1_000, y: 1_000)) }
        for (i, id) in ([2, 1, 9, 8] as [Int64]).enumerated() { spots.append(Self.spot(id, x: 1_000 + 100 * Double(i + 1), y: 1_000)) }
        spots.append(Self.spot(50, x: 1_000, y: 1_400))
        // The nearest of all is of another type, and one of an excluded type sits at the spot too.
        spots.append(Self.spot(99, x: 1_000.5, y: 1_000, code: "GRAF"))
        spots.append(Self.spot(1_000, x: 1_000, y: 1_000, code: "311IOC"))
        var generator = SystemRandomNumberGenerator()
        for spot in spots.shuffled(using: &generator) { index.insert(spot) }

        let aboutAPlace = { (code: String) in code != "311IOC" }
        let everyPothole = index.nearest(x: 1_000, y: 1_000, radius: 350, serviceCode: "PHF", limit: 100, include: aboutAPlace)
        #expect(everyPothole.map(\.requestID) == [3, 5, 7, 12, 19, 23, 31, 40, 2, 1, 9])
        let three = index.nearest(x: 1_000, y: 1_000, radius: 350, serviceCode: "PHF", limit: 3, include: aboutAPlace)
        #expect(three.map(\.requestID) == [3, 5, 7])
        let anyType = index.nearest(x: 1_000, y: 1_000, radius: 350, serviceCode: nil, limit: 10, include: aboutAPlace)
        #expect(anyType.map(\.requestID) == [3, 5, 7, 12, 19, 23, 31, 40, 99, 2])
        #expect(anyType.first?.serviceRequestID == "SS26-3", "the case itself, not only its id")
        #expect(index.nearest(x: 1_000, y: 1_000, radius: 350, serviceCode: nil, limit: 0, include: aboutAPlace).isEmpty)
    }

    /// Intake's guess that a report has a candidate parent: one of its type, received in the
    /// window, within the radius or at its address or block (in the cells the radius reaches).
    @Test func aCandidateIsOneAChooserMayPick() {
        var index = OpenSpotIndex()
        var near = Self.spot(1, x: 1_040, y: 1_000)
        near.requestedAt = Date(timeIntervalSince1970: 1_000)
        var sameAddress = Self.spot(2, x: 1_200, y: 1_000)
        (sameAddress.requestedAt, sameAddress.addressKey, sameAddress.blockKey) = (Date(timeIntervalSince1970: 1_000), "10 N STATE ST", "0 N STATE ST")
        for spot in [near, sameAddress] { index.insert(spot) }
        func holds(_ code: String = "PHF", radius: Double = 50, address: String = "", block: String = "", since: Double = 500) -> Bool {
            index.holdsCandidate(serviceCode: code, x: 1_000, y: 1_000, radius: radius, addressKey: address, blockKey: block,
                                 since: Date(timeIntervalSince1970: since))
        }
        #expect(holds())
        #expect(!holds(radius: 30), "40 m away, beyond a 30 m radius")
        #expect(!holds("GRAF"), "another type")
        #expect(!holds(since: 2_000), "received before the window")
        #expect(holds(radius: 30, address: "10 N STATE ST"), "200 m away at the same address")
        #expect(holds(radius: 30, block: "0 N STATE ST"), "on the same block")
        #expect(!holds(radius: 30, address: "12 N STATE ST", block: "100 N STATE ST"))
    }
}
