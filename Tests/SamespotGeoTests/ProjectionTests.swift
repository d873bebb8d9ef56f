import Foundation
import SamespotCore
import SamespotGeo
import Testing

@Suite struct ProjectionTests {
    /// Real points from the sample city's requests: (longitude, latitude, city x, city y in EPSG:3435 feet).
    static let cityPoints: [(Double, Double, Double, Double)] = [
        (-87.67984621876099, 41.871831277993564, 1162234.142489, 1896559.966858),
        (-87.66975672568209, 41.80576343586902, 1165166.51552093, 1872509.02087899),
        (-87.79769089899743, 41.92403872063044, 1130017.69989548, 1915364.84182515),
        (-87.59738103564061, 41.745879378155585, 1185085.77512678, 1850848.348904),
    ]

    /// Runs PROJ's own command-line tool on the same points: the reference the wrapper must match.
    static func cs2cs(target: String, points: [(Double, Double)]) throws -> [(Double, Double)] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/cs2cs")
        // EPSG:4326 is latitude-first for cs2cs; the wrapper takes longitude first.
        process.arguments = ["-f", "%.6f", "EPSG:4326", target]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(points.map { "\($0.1) \($0.0)\n" }.joined().utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: "\n").map { line in
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Double($0) }
            return (parts[0], parts[1])
        }
    }

    @Test(arguments: [26971, 3435, 32616])
    func matchesCs2csWithinOneMillimetre(epsg: Int) throws {
        let projection = try Projection(targetEPSG: epsg)
        let points = Self.cityPoints.map { ($0.0, $0.1) }
        let reference = try Self.cs2cs(target: "EPSG:\(epsg)", points: points)
        #expect(reference.count == points.count)
        for (point, expected) in zip(points, reference) {
            let got = try #require(projection.forward(longitude: point.0, latitude: point.1))
            let errorMetres = hypot(got.x - expected.0, got.y - expected.1) * projection.metresPerUnit
            #expect(errorMetres < 0.001, "EPSG:\(epsg) at \(point): \(got) vs cs2cs \(expected)")
        }
    }

    @Test func feetCRSReportsItsUnitAndMetresAreMetres() throws {
        let feet = try Projection(targetEPSG: 3435)
        let metres = try Projection(targetEPSG: 26971)
        #expect(abs(feet.metresPerUnit - 0.3048006096) < 1e-9)
        #expect(metres.metresPerUnit == 1)
        // Two points a known distance apart come out the same distance in metres on either grid.
        let a = (-87.6298, 41.8781), b = (-87.6298, 41.8881)
        let f1 = try #require(feet.forwardMetres(longitude: a.0, latitude: a.1))
        let f2 = try #require(feet.forwardMetres(longitude: b.0, latitude: b.1))
        let m1 = try #require(metres.forwardMetres(longitude: a.0, latitude: a.1))
        let m2 = try #require(metres.forwardMetres(longitude: b.0, latitude: b.1))
        let dFeetGrid = hypot(f2.x - f1.x, f2.y - f1.y), dMetreGrid = hypot(m2.x - m1.x, m2.y - m1.y)
        #expect(abs(dFeetGrid - dMetreGrid) < 0.01)
        #expect(abs(dMetreGrid - 1110.5) < 2)  // 0.01° of latitude ≈ 1.11 km
    }

    @Test func citysOwnStatePlaneCoordinatesAgreeWithinTwoMetres() throws {
        // The city's x/y columns are its geocoder's EPSG:3435 output for the same points.
        let projection = try Projection(targetEPSG: 3435)
        for (lon, lat, x, y) in Self.cityPoints {
            let got = try #require(projection.forward(longitude: lon, latitude: lat))
            #expect(hypot(got.x - x, got.y - y) * projection.metresPerUnit < 2)
        }
    }

    @Test func inverseReturnsTheStartingPoint() throws {
        let projection = try Projection(targetEPSG: 26971)
        let p = try #require(projection.forward(longitude: -87.65, latitude: 41.85))
        let back = try #require(projection.inverse(x: p.x, y: p.y))
        #expect(abs(back.longitude + 87.65) < 1e-9 && abs(back.latitude - 41.85) < 1e-9)
    }

    @Test func refusesUnknownAndGeographicCRS() {
        #expect(throws: ProjectionError.self) { _ = try Projection(targetEPSG: 999_999) }
        #expect(throws: ProjectionError("EPSG:4326 is not a projected CRS: distances need one in metres or feet")) {
            _ = try Projection(targetEPSG: 4326)
        }
    }

    @Test func poolServesConcurrentCallersWithTheSameAnswers() async throws {
        let pool = try ProjectionPool(targetEPSG: 26971)
        let expected = try #require(try pool.forwardMetres(longitude: -87.65, latitude: 41.85))
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    for _ in 0..<200 {
                        guard let p = try pool.forwardMetres(longitude: -87.65, latitude: 41.85),
                              p.x == expected.x, p.y == expected.y else { return false }
                    }
                    return true
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 16))
    }

    @Test func recordsWithOnlyStatePlaneCoordinatesGetLatitudeAndLongitude() throws {
        // SR21-00000074 of the 2021 file: its x/y (EPSG:3435) and the city's own latitude/longitude.
        let csv = "sr_number,sr_type,status,created_date,x_coordinate,y_coordinate\nSR21-00000074,Dead Animal Pick-Up Request,Completed,2021-01-01T00:30:12,1140560.84076,1927665.132276\n"
        let reader = try CityRecordReader(mapping: CityColumnMapping(coordinatesEPSG: 3435))
        var records = try readCSV(bytes: Array(csv.utf8)).rows.map { try reader.record($0) }
        try CityRequestRecord.fillCoordinates(&records, fromEPSG: 3435)
        let latitude = try #require(records[0].latitude), longitude = try #require(records[0].longitude)
        // The city's own latitude/longitude sit about a metre from its x/y; within 2 m is the same point.
        let north = (latitude - 41.95761253412861) * 111_000, east = (longitude - -87.75865336585986) * 111_000 * cos(latitude * .pi / 180)
        #expect((north * north + east * east).squareRoot() < 2)
        // And exactly where PROJ's forward transform puts x/y back.
        let back = try #require(try Projection(targetEPSG: 3435).forward(longitude: longitude, latitude: latitude))
        #expect(abs(back.x - 1140560.84076) < 1e-3 && abs(back.y - 1927665.132276) < 1e-3)
    }
}
