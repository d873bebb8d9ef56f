import Foundation
import SamespotCore
import SamespotGeo
import SamespotStore

/// Loading a city's data, as the use cases `samespot import …` runs: each file by COPY in one
/// transaction (a bad row names its line and nothing is written), and what must follow it —
/// a ward set places every request, requests are placed in every set and the city's own
/// duplicate links become merges.
public struct ImportService: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    public func addresses(csv: [UInt8], file: String, replace: Bool = true, progress: ImportProgress? = nil) async throws -> ImportSummary {
        try await ReferenceDataImporter(database: database).importAddressPoints(csv: csv, file: file, replace: replace, progress: progress)
    }

    public func streets(csv: [UInt8], file: String, progress: ImportProgress? = nil) async throws -> ImportSummary {
        try await ReferenceDataImporter(database: database).importStreets(csv: csv, file: file, progress: progress)
    }

    public func intersections(csv: [UInt8], file: String, progress: ImportProgress? = nil) async throws -> ImportSummary {
        try await ReferenceDataImporter(database: database).importIntersections(csv: csv, file: file, progress: progress)
    }

    public func holidays(csv: [UInt8], file: String) async throws -> ImportSummary {
        try await ReferenceDataImporter(database: database).importHolidays(csv: csv, file: file)
    }

    /// A ward set (GeoJSON, or CSV with a WKT column), then every request placed in it.
    public func wardSet(_ bytes: [UInt8], file: String, name: String, effectiveFrom: String?, effectiveTo: String?,
                        wardProperty: String?, progress: ImportProgress? = nil) async throws -> ImportSummary {
        let store = WardSetStore(database: database)
        let summary = file.lowercased().hasSuffix(".csv")
            ? try await store.importWKTCSV(bytes, file: file, name: name, effectiveFrom: effectiveFrom, effectiveTo: effectiveTo,
                                           wardProperty: wardProperty)
            : try await store.importGeoJSON(Data(bytes), file: file, name: name, effectiveFrom: effectiveFrom, effectiveTo: effectiveTo,
                                            wardProperty: wardProperty)
        try await store.assignRequests(toSet: try await store.set(named: name), onlyMissing: false, progress: progress)
        return summary
    }

    /// A city's 311 export: placed in every ward set, its parent links made merges (`RequestImporter`).
    /// - Parameter bulkLoadRows: see `RequestImporter.bulkLoadRows`; `Int.max` keeps the indexes row by row.
    public func requests(_ bytes: [UInt8], file: String, city: CitySettings, projections: ProjectionPool,
                         mapping: CityColumnMapping = .standard, bulkLoadRows: Int = 50_000,
                         progress: ImportProgress? = nil) async throws -> ImportSummary {
        try await RequestImporter(database: database, city: city, projections: projections, bulkLoadRows: bulkLoadRows)
            .importCSV(bytes, file: file, mapping: mapping, progress: progress)
    }

    /// Service definitions (the questions each type asks), as JSON:
    /// `{"services": [{"service_code": "PHF", "attributes": [{"code": …, "datatype": …, "description": …, "values": […]}]}]}`.
    public func serviceDefinitions(_ bytes: [UInt8], file: String) async throws -> ImportSummary {
        struct File: Decodable {
            struct Service: Decodable { var serviceCode: String; var attributes: [Attribute] }
            struct Attribute: Decodable {
                var code: String
                var datatype: String
                var required: Bool?
                var description: String
                var datatypeDescription: String?
                var values: [ServiceAttribute.Value]?
            }
            var services: [Service]
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let definitions: File
        do { definitions = try decoder.decode(File.self, from: Data(bytes)) } catch {
            throw ImportError(file: file, message: "not a service definitions file: \(error)")
        }
        let catalog = CatalogStore(database: database)
        var written = 0
        for service in definitions.services {
            var attributes: [ServiceAttribute] = []
            for (i, a) in service.attributes.enumerated() {
                guard let datatype = ServiceAttribute.DataType(rawValue: a.datatype) else {
                    throw ImportError(file: file, message: "\(service.serviceCode).\(a.code): datatype \(a.datatype) is not an Open311 datatype")
                }
                attributes.append(ServiceAttribute(code: a.code, variable: true, datatype: datatype, required: a.required ?? false,
                                                   datatypeDescription: a.datatypeDescription ?? "", order: i + 1,
                                                   description: a.description, values: a.values ?? []))
            }
            do {
                try await catalog.saveAttributes(service.serviceCode, attributes, actor: "import")
                written += 1
            } catch StoreError.notFound {
                // A type the city's requests never named: nothing to define yet.
                continue
            }
        }
        return ImportSummary(kind: "service definitions", rowsRead: definitions.services.count, rowsWritten: written)
    }

    /// The bundled sample city (`SampleCity`): every file, in order. Without `includeHistory`
    /// only the 2021 requests are loaded (the tests' template).
    /// - Parameter includeRequests: false loads the city's reference data alone (a city-year of
    ///   one's own is then imported on top, as `scripts/bench import` does).
    public func sampleCity(from directory: String, city: CitySettings = SampleCity.city, includeRequests: Bool = true,
                           includeHistory: Bool = true, progress: ((String) -> ImportProgress)? = nil) async throws -> [ImportSummary] {
        func bytes(_ file: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)") else {
                throw ImportError(file: "\(directory)/\(file)", message: "no such file (is --data-dir the sample city folder?)")
            }
            return Array(data)
        }
        var summaries: [ImportSummary] = []
        summaries.append(try await addresses(csv: try bytes("addresses.csv"), file: "addresses.csv", progress: progress?("addresses")))
        summaries.append(try await streets(csv: try bytes("streets.csv"), file: "streets.csv"))
        summaries.append(try await intersections(csv: try bytes("intersections.csv"), file: "intersections.csv",
                                                 progress: progress?("intersections")))
        // Before the requests: their deadlines skip the city's holidays.
        summaries.append(try await holidays(csv: try bytes(SampleCity.holidaysFile), file: SampleCity.holidaysFile))
        let wards = WardSetStore(database: database)
        for set in SampleCity.wardSets {
            summaries.append(try await wards.importGeoJSON(
                Data(try bytes(set.file)), file: set.file, name: set.name, effectiveFrom: set.from, effectiveTo: set.to))
        }
        let projections = try ProjectionPool(targetEPSG: city.metricEPSG)
        if includeRequests {
            summaries.append(try await requests(try bytes(SampleCity.requestsFile), file: SampleCity.requestsFile, city: city,
                                                projections: projections, progress: progress?("requests")))
        }
        if includeRequests && includeHistory {
            for file in SampleCity.historyFiles {
                var summary = try await requests(try bytes(file), file: file, city: city, projections: projections, progress: progress?(file))
                summary.notes.append("from \(file)")
                summaries.append(summary)
            }
        }
        summaries.append(try await serviceDefinitions(try bytes(SampleCity.serviceDefinitionsFile), file: SampleCity.serviceDefinitionsFile))
        return summaries
    }
}
