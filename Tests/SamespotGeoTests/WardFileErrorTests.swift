import Foundation
import SamespotCore
import SamespotGeo
import Testing

/// Ward boundary files as they go wrong in practice: each is refused with a message that says
/// which feature and what to do, or read with a note saying what was repaired. Nothing here
/// reaches the database (`samespot import wards` reads the whole file before it writes).
@Suite struct WardFileErrorTests {
    static func collection(_ geometry: String, ward: String = "1", extra: String = "") -> Data {
        Data(#"{"type":"FeatureCollection"\#(extra),"features":[{"type":"Feature","properties":{"ward":"\#(ward)"},"geometry":\#(geometry)}]}"#.utf8)
    }

    static let square = "[[-87.70,41.80],[-87.60,41.80],[-87.60,41.90],[-87.70,41.90],[-87.70,41.80]]"

    @Test(arguments: [
        ("not JSON", Data("ward,geometry\n1,POLYGON".utf8), "the file is not JSON: a GeoJSON FeatureCollection is expected"),
        ("truncated", Data(#"{"type":"FeatureCollection","features":[{"type":"Feature""#.utf8), "the file is not JSON: a GeoJSON FeatureCollection is expected"),
        ("a bare geometry", Data(#"{"type":"Polygon","coordinates":[]}"#.utf8),
         #"the file is not a GeoJSON FeatureCollection ("type": "FeatureCollection" with "features")"#),
        ("no features", Data(#"{"type":"FeatureCollection","features":[]}"#.utf8), "the FeatureCollection has no features"),
        ("a point", collection(#"{"type":"Point","coordinates":[-87.6,41.8]}"#), "feature 1 (ward 1) has no Polygon or MultiPolygon geometry"),
        ("no geometry", collection("null"), "feature 1 (ward 1) has no Polygon or MultiPolygon geometry"),
        ("an empty polygon", collection(#"{"type":"Polygon","coordinates":[]}"#), "ward 1: the shape is empty"),
        ("an open ring", collection(#"{"type":"Polygon","coordinates":[[[-87.7,41.8],[-87.6,41.8],[-87.6,41.9]]]}"#), "feature 1 (ward 1): "),
        ("feet, not degrees", collection(#"{"type":"Polygon","coordinates":[[[1150000,1900000],[1160000,1900000],[1160000,1910000],[1150000,1900000]]]}"#),
         "ward 1: coordinates are not longitude/latitude (x 1150000.0…1160000.0); reproject the file to EPSG:4326"),
        // JSON has no infinity: a number too large for a double fails the whole parse.
        ("infinite", collection(#"{"type":"Polygon","coordinates":[[[-87.7,41.8],[1e999,41.8],[-87.6,41.9],[-87.7,41.8]]]}"#),
         "the file is not JSON: a GeoJSON FeatureCollection is expected"),
        ("a projected CRS", collection(#"{"type":"Polygon","coordinates":[\#(square)]}"#,
                                       extra: #","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3435"}}"#), "EPSG"),
    ])
    func badFilesAreRefusedWithAReason(_ name: String, _ file: Data, _ message: String) {
        do {
            let result = try WardSetReader.read(geoJSON: file)
            Issue.record("\(name): read \(result.wards.count) wards instead of refusing")
        } catch {
            #expect(error.message.hasPrefix(message) || error.message.contains(message), "\(name): \(error.message)")
            #expect(!error.message.isEmpty)
        }
    }

    /// A self-intersecting ring (a bow tie) is repaired and said so; 3-D coordinates are read as
    /// their 2-D shape; a large ward (20,000 vertices, more than any real ward has) is read whole.
    @Test func repairableFilesAreReadWithNotes() throws {
        let bowTie = Self.collection(#"{"type":"Polygon","coordinates":[[[-87.7,41.8],[-87.6,41.9],[-87.6,41.8],[-87.7,41.9],[-87.7,41.8]]]}"#)
        let repaired = try WardSetReader.read(geoJSON: bowTie)
        #expect(repaired.wards.map(\.ward) == ["1"])
        #expect(repaired.notes.contains { $0.hasPrefix("ward 1: Self-intersection") && $0.hasSuffix("repaired with MakeValid") }, "\(repaired.notes)")

        let threeD = Self.collection(#"{"type":"Polygon","coordinates":[[[-87.7,41.8,180],[-87.6,41.8,181],[-87.6,41.9,182],[-87.7,41.9,183],[-87.7,41.8,180]]]}"#)
        let flat = try WardSetReader.read(geoJSON: threeD)
        let plain = try WardSetReader.read(geoJSON: Self.collection(#"{"type":"Polygon","coordinates":[\#(Self.square)]}"#))
        #expect(flat.wards.first?.wkb == plain.wards.first?.wkb, "a 3-D ward is stored as its 2-D shape")
        #expect(flat.notes == ["ward 1: 3-D coordinates read as 2-D (heights dropped)"])

        let n = 20_000
        let ring = (0...n).map { i -> String in
            let angle = Double(i % n) / Double(n) * 2 * .pi
            return "[\(-87.65 + 0.05 * cos(angle)),\(41.85 + 0.05 * sin(angle))]"
        }.joined(separator: ",")
        let big = try WardSetReader.read(geoJSON: Self.collection(#"{"type":"Polygon","coordinates":[[\#(ring)]]}"#))
        let index = try WardIndex(wards: big.wards.map { ($0.ward, $0.wkb) })
        let context = GEOSContext()
        #expect(index.ward(longitude: -87.65, latitude: 41.85, context: context) == "1")
        #expect(index.ward(longitude: -87.65, latitude: 41.95, context: context) == nil)
    }
}
