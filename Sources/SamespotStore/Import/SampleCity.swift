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
    /// Real history, loaded after `requestsFile` by the same importer: the sanitation code
    /// complaints of 2011–2013 and the older per-type samples (early 2011–2013). The sanitation
    /// sample repeats requests of the sanitation file; those are stored once, from the first.
    public static let historyFiles = [
        "history/sanitation-2011-2013.csv",
        "history/abandoned-vehicles.csv",
        "history/garbage-carts.csv",
        "history/general.csv",
        "history/graffiti-removal.csv",
        "history/pot-holes.csv",
        "history/rodent-baiting.csv",
        "history/sanitation-code.csv",
        "history/tree-debris.csv",
        "history/tree-trims.csv",
    ]
    public static let holidaysFile = "holidays.csv"
    public static let city = CitySettings(timeZone: "America/Chicago", metricEPSG: 26971)

    /// Loads every file of `directory` into a migrated database; returns what each import did.
    /// Without `includeHistory` only the 2021 requests are loaded (the tests' template).
    public static func load(
        from directory: String, into db: Database, city: CitySettings = SampleCity.city,
        includeHistory: Bool = true, progress: ((String) -> ImportProgress)? = nil
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
        let requests = RequestImporter(database: db, city: city, projections: projections)
        summaries.append(try await requests.importCSV(
            try bytes(requestsFile), file: requestsFile, progress: progress?("requests")))
        if includeHistory {
            for file in historyFiles {
                var summary = try await requests.importCSV(try bytes(file), file: file, progress: progress?(file))
                summary.notes.append("from \(file)")
                summaries.append(summary)
            }
        }
        return summaries
    }
}
