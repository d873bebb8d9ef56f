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
        let order = Dictionary(uniqueKeysWithValues: WardIndex.ordered(shapes.map(\.ward)).enumerated().map { ($1, $0) })
        let context = GEOSContext()
        let encoder = JSONEncoder()
        var features: [String] = []
        for shape in shapes.sorted(by: { order[$0.ward, default: 0] < order[$1.ward, default: 0] }) {
            var geometry = try Geometry(wkb: shape.wkb, context: context)
            if tolerance > 0 { geometry = try geometry.simplified(tolerance: tolerance) }
            let ward = String(decoding: try encoder.encode(shape.ward), as: UTF8.self)
            features.append(#"{"type":"Feature","id":\#(ward),"properties":{"ward":\#(ward)},"geometry":\#(geometry.geoJSON)}"#)
        }
        let name = String(decoding: try encoder.encode(set.name), as: UTF8.self)
        return Array(#"{"type":"FeatureCollection","ward_set":\#(name),"features":[\#(features.joined(separator: ","))]}"#.utf8)
    }
}
