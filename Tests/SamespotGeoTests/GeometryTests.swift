import SamespotGeo
import Testing

@Suite struct GeometryTests {
    let context = GEOSContext()

    @Test func wktWkbAndGeoJSONRoundTrip() throws {
        let square = try Geometry(wkt: "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", context: context)
        #expect(square.area == 100)
        let fromWKB = try Geometry(wkb: square.wkb, context: context)
        #expect(fromWKB.wkt == "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))")
        let fromJSON = try Geometry(geoJSON: square.geoJSON, context: context)
        #expect(fromJSON.typeName == "Polygon")
        #expect(fromJSON.area == 100)
        #expect(square.geoJSON.contains("\"coordinates\""))
    }

    @Test func badInputSaysWhatGEOSSaid() {
        #expect(throws: GeometryError.self) { _ = try Geometry(wkt: "POLYGON ((0 0, 1", context: context) }
        #expect(throws: GeometryError.self) { _ = try Geometry(wkb: [1, 2, 3], context: context) }
        #expect(throws: GeometryError.self) { _ = try Geometry(geoJSON: "{\"type\": \"Nope\"}", context: context) }
    }

    @Test func bowTieIsInvalidAndMadeValid() throws {
        let bowTie = try Geometry(wkt: "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))", context: context)
        #expect(!bowTie.isValid)
        #expect(bowTie.validityReason.hasPrefix("Self-intersection"))
        let fixed = try bowTie.makeValid()
        #expect(fixed.isValid)
        #expect(abs(fixed.area - 50) < 1e-9)
    }

    @Test func unionOfTouchingSquaresIsOneRectangle() throws {
        let a = try Geometry(wkt: "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))", context: context)
        let b = try Geometry(wkt: "POLYGON ((1 0, 2 0, 2 1, 1 1, 1 0))", context: context)
        let united = try Geometry.union([a, b], context: context)
        #expect(united.typeName == "Polygon")
        #expect(united.area == 2)
        // The inputs still belong to their owners and are intact.
        #expect(a.area == 1 && b.area == 1)
    }

    @Test func preparedPredicatesTellInteriorBoundaryAndOutside() throws {
        let square = try Geometry(wkt: "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))", context: context)
        let prepared = try PreparedGeometry(square)
        try prepared.warm()
        let inside = try Geometry.point(x: 5, y: 5, context: context)
        let onEdge = try Geometry.point(x: 10, y: 5, context: context)
        let outside = try Geometry.point(x: 11, y: 5, context: context)
        #expect(prepared.contains(inside) && prepared.intersects(inside))
        #expect(!prepared.contains(onEdge) && prepared.intersects(onEdge) && prepared.covers(onEdge))
        #expect(!prepared.intersects(outside))
        let box = try Geometry.rectangle(minX: 1, minY: 1, maxX: 9, maxY: 9, context: context)
        #expect(prepared.containsProperly(box))
    }

    @Test func strTreeFindsOnlyNearbyEnvelopes() throws {
        let shapes = try (0..<10).map { i in
            try Geometry(wkt: "POLYGON ((\(i * 10) 0, \(i * 10 + 5) 0, \(i * 10 + 5) 5, \(i * 10) 5, \(i * 10) 0))", context: context)
        }
        let tree = try STRtree(shapes, context: context)
        let query = try Geometry.rectangle(minX: 12, minY: 1, maxX: 31, maxY: 2, context: context)
        #expect(tree.query(query) == [1, 2, 3])
    }
}
