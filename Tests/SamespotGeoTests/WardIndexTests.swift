import Foundation
import SamespotCore
import SamespotGeo
import SamespotTestSupport
import Testing

@Suite struct WardIndexTests {
    static func loadSet(_ file: String) throws -> WardSetReader.Result {
        let data = try #require(FileManager.default.contents(atPath: TestEnvironment.dataDirectory + "/" + file))
        return try WardSetReader.read(geoJSON: data)
    }

    static func index(_ file: String, resolution: Int = 1024) throws -> WardIndex {
        try WardIndex(wards: try loadSet(file).wards.map { ($0.ward, $0.wkb) }, resolution: resolution)
    }

    @Test func readsEachSampleSetWithItsWardProperty() throws {
        let set2015 = try Self.loadSet("wards-2015.geojson")
        #expect(set2015.wards.map(\.ward) == (1...50).map(String.init))
        let set2023 = try Self.loadSet("wards-2023.geojson")
        #expect(set2023.wards.count == 50)
        // 2003: 53 features, some wards in several pieces, united into one ward each.
        let set2003 = try Self.loadSet("wards-2003.geojson")
        #expect(set2003.wards.count == 51)
        #expect(set2003.notes.contains { $0.contains("features united into one") })
    }

    @Test func refusesProjectedCoordinatesAndMissingWardIds() {
        let projected = #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3435"}},"features":[]}"#
        #expect(throws: GeometryError.self) { _ = try WardSetReader.read(geoJSON: Data(projected.utf8)) }
        let noWard = #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"colour":"red"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#
        #expect(throws: GeometryError("feature 1 has no ward id: expected a property \"ward\", \"ward_id\", \"wardid\", \"ward_num\", \"ward_no\", \"district_n\", \"district\", \"dist_num\", \"name\" (use --ward-property to name it)")) {
            _ = try WardSetReader.read(geoJSON: Data(noWard.utf8))
        }
    }

    /// The sample city's requests carry the ward the city gave them (2015–2023 map). An exact
    /// point-in-polygon agrees on 99.4 % of them (the rest sit on borders: SOURCES.md).
    @Test func knownAddressesFallInTheCitysOwnWard() throws {
        let index = try Self.index("wards-2015.geojson")
        let table = try readCSV(bytes: try TestEnvironment.data("requests-2021-01-01.csv"))
        let context = GEOSContext()
        var agree = 0, total = 0
        for row in table.rows {
            guard let lon = Double(row.text("longitude")), let lat = Double(row.text("latitude")) else { continue }
            let cityWard = row.text("ward")
            guard !cityWard.isEmpty else { continue }
            total += 1
            if index.ward(longitude: lon, latitude: lat, context: context) == cityWard { agree += 1 }
        }
        #expect(total > 2900)
        #expect(Double(agree) / Double(total) >= 0.993, "\(agree)/\(total)")
        // Spot checks by hand: the 311 centre (2111 W Lexington St) is in ward 28; O'Hare's
        // 10510 W Zemke Rd in ward 41.
        #expect(index.ward(longitude: -87.67984621876099, latitude: 41.871831277993564, context: context) == "28")
        #expect(index.ward(longitude: -87.90, latitude: 41.98, context: context) == "41")
    }

    @Test func gridAnswersExactlyWhatGEOSAnswersForEveryPoint() throws {
        let index = try Self.index("wards-2023.geojson")
        let context = GEOSContext()
        var generator = SplitMix64(seed: 42)
        var mismatches = 0, inside = 0
        for _ in 0..<100_000 {
            let lon = -87.95 + Double(generator.next() % 1_000_000) / 1_000_000 * 0.45
            let lat = 41.63 + Double(generator.next() % 1_000_000) / 1_000_000 * 0.40
            let fast = index.wardPosition(longitude: lon, latitude: lat, context: context)
            let reference = index.referenceWardPosition(longitude: lon, latitude: lat, context: context)
            if fast != reference { mismatches += 1 }
            if fast != nil { inside += 1 }
        }
        #expect(mismatches == 0)
        #expect(inside > 30_000)  // the city fills about a third of the box; the rest is lake and suburbs
        #expect(Double(index.boundaryCellCount) / Double(index.boundaryCellCount + index.interiorCellCount) < 0.1)
    }

    @Test func sharedBorderGoesToTheLowerWardAndOutsideGoesNowhere() throws {
        // Two squares sharing the edge x = 1.
        let context = GEOSContext()
        let ward10 = try Geometry(wkt: "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))", context: context)
        let ward2 = try Geometry(wkt: "POLYGON ((1 0, 2 0, 2 1, 1 1, 1 0))", context: context)
        let index = try WardIndex(wards: [("10", ward10.wkb), ("2", ward2.wkb)], resolution: 64)
        #expect(index.wards == ["2", "10"])  // numeric order, not text order
        #expect(index.ward(longitude: 1, latitude: 0.5, context: context) == "2")
        #expect(index.ward(longitude: 0.5, latitude: 0.5, context: context) == "10")
        #expect(index.ward(longitude: 1.5, latitude: 0.5, context: context) == "2")
        #expect(index.ward(longitude: 3, latitude: 0.5, context: context) == nil)
        #expect(index.ward(longitude: .nan, latitude: 0.5, context: context) == nil)
    }

    @Test func concurrentLookupsAgreeWithSerialOnes() async throws {
        let index = try Self.index("wards-2015.geojson", resolution: 256)  // coarse: more GEOS work per lookup
        let points: [(Double, Double)] = (0..<2_000).map { (i: Int) -> (Double, Double) in
            let column = Double(i % 50), row = Double(i / 50)
            return (-87.9 + column * 0.008, 41.65 + row * 0.009)
        }
        let serial: [Int?] = { let c = GEOSContext(); return points.map { index.wardPosition(longitude: $0.0, latitude: $0.1, context: c) } }()
        let parallel = await withTaskGroup(of: [Int?].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let context = GEOSContext()
                    return points.map { index.wardPosition(longitude: $0.0, latitude: $0.1, context: context) }
                }
            }
            return await group.reduce(into: [[Int?]]()) { $0.append($1) }
        }
        for answers in parallel { #expect(answers == serial) }
    }
}

@Suite struct WardSetWKTTests {
    @Test func wktCSVReadsTheSameWardsAsGeoJSON() throws {
        let fromJSON = try WardIndexTests.loadSet("wards-2015.geojson")
        let context = GEOSContext()
        var csv = "ward,the_geom,alderman\n"
        for shape in fromJSON.wards {
            let wkt = try Geometry(wkb: shape.wkb, context: context).wkt
            csv += "\(shape.ward),\"\(wkt)\",someone\n"
        }
        let fromCSV = try WardSetReader.read(wktCSV: Array(csv.utf8))
        #expect(fromCSV.wards.map(\.ward) == fromJSON.wards.map(\.ward))
        for (a, b) in zip(fromCSV.wards, fromJSON.wards) {
            let areaA = try Geometry(wkb: a.wkb, context: context).area
            let areaB = try Geometry(wkb: b.wkb, context: context).area
            #expect(abs(areaA - areaB) < 1e-12)
        }
        #expect(fromCSV.wards[0].propertiesJSON.contains("someone"))
    }

    @Test func wktCSVErrorsNameTheLine() {
        let bad = "ward,the_geom\n1,\"POLYGON ((0 0, 1 0, 1 1, 0 0))\"\n2,\"POINT (1 1)\"\n"
        #expect(throws: GeometryError("line 3 (ward 2): a Point, not a Polygon or MultiPolygon")) {
            _ = try WardSetReader.read(wktCSV: Array(bad.utf8))
        }
        #expect(throws: GeometryError("the CSV has no geometry column (the_geom, geometry or wkt)")) {
            _ = try WardSetReader.read(wktCSV: Array("ward,x\n1,2\n".utf8))
        }
    }
}
