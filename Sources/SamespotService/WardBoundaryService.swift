import Foundation
import SamespotCore
import SamespotGeo
import SamespotStore

/// A ward set's boundaries as a GeoJSON FeatureCollection, for maps: the web page draws them as
/// its base layer (a city network often reaches no tile server). Read from PostgreSQL each time,
/// so a re-imported map shows at once; simplified for a screen when asked.
public struct WardBoundaryService: Sendable {
    public let store: WardSetStore
    public init(store: WardSetStore) { self.store = store }

    /// - Parameter tolerance: the largest shift of a vertex, in degrees (0 keeps every vertex).
    ///   1e-4° is about 10 m: invisible at city scale, and a tenth of the bytes.
    public func featureCollection(set: WardSetInfo, tolerance: Double) async throws -> [UInt8] {
        let shapes = try await store.shapes(setID: set.id)
        let wkb = Dictionary(shapes.map { ($0.ward, $0.wkb) }, uniquingKeysWith: { first, _ in first })
        let context = GEOSContext()
        let encoder = JSONEncoder()
        var features: [String] = []
        // In the set's own order (numbers as numbers), as every list of wards is.
        for id in WardIndex.ordered(Array(wkb.keys)) {
            var geometry = try Geometry(wkb: wkb[id]!, context: context)
            if tolerance > 0 { geometry = try geometry.simplified(tolerance: tolerance) }
            let ward = String(decoding: try encoder.encode(id), as: UTF8.self)
            features.append(#"{"type":"Feature","id":\#(ward),"properties":{"ward":\#(ward)},"geometry":\#(geometry.geoJSON)}"#)
        }
        let name = String(decoding: try encoder.encode(set.name), as: UTF8.self)
        return Array(#"{"type":"FeatureCollection","ward_set":\#(name),"features":[\#(features.joined(separator: ","))]}"#.utf8)
    }
}
