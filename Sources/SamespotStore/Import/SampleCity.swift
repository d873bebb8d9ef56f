import Foundation
import SamespotGeo

/// The bundled sample city (Chicago, in data/): which files, in which order, and the dates
/// each ward map was in force. `samespot import sample` and the tests both load it from here.
public enum SampleCity {
    public static let wardSets: [(file: String, name: String, from: String?, to: String?)] = [
        ("wards-2003.geojson", "chicago-2003", "2003-05-01", "2015-05-17"),
        ("wards-2015.geojson", "chicago-2015", "2015-05-18", "2023-05-14"),
        ("wards-2023.geojson", "chicago-2023", "2023-05-15", nil),
    ]
    public static let requestsFile = "requests-2021-01-01.csv"
    public static let holidaysFile = "holidays.csv"
    public static let city = CitySettings(timeZone: "America/Chicago", metricEPSG: 26971)

    /// Loads every file of `directory` into a migrated database; returns what each import did.
    public static func load(
        from directory: String, into db: Database, city: CitySettings = SampleCity.city,
        progress: ((String) -> ImportProgress)? = nil
    ) async throws -> [ImportSummary] {
        func bytes(_ file: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)") else {
                throw ImportError(file: "\(directory)/\(file)", message: "no such file (is --data-dir the sample city folder?)")
            }
            return Array(data)
        }
        var summaries: [ImportSummary] = []
        let reference = ReferenceDataImporter(database: db)
        summaries.append(try await reference.importAddressPoints(
            csv: try bytes("addresses.csv"), file: "addresses.csv", progress: progress?("addresses")))
        summaries.append(try await reference.importStreets(csv: try bytes("streets.csv"), file: "streets.csv"))
        summaries.append(try await reference.importIntersections(
            csv: try bytes("intersections.csv"), file: "intersections.csv", progress: progress?("intersections")))
        // Before the requests: their deadlines skip the city's holidays.
        summaries.append(try await reference.importHolidays(csv: try bytes(holidaysFile), file: holidaysFile))
        let wards = WardSetStore(database: db)
        for set in wardSets {
            summaries.append(try await wards.importGeoJSON(
                Data(try bytes(set.file)), file: set.file, name: set.name, effectiveFrom: set.from, effectiveTo: set.to))
        }
        let projections = try ProjectionPool(targetEPSG: city.metricEPSG)
        summaries.append(try await RequestImporter(database: db, city: city, projections: projections).importCSV(
            try bytes(requestsFile), file: requestsFile, progress: progress?("requests")))
        return summaries
    }
}
