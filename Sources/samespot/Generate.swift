import ArgumentParser
import Foundation
import SamespotCore

/// Synthetic data for measuring Samespot at a big city's scale.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Synthetic city data for benchmarks: a seeded city-year of 311 requests, and a full-city address table.",
        subcommands: [Requests.self, Addresses.self])

    struct Addresses: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A full-city address table: the known points, and the numbers missing between two of them on one side of a "
                + "street placed on the line between, as a CSV `samespot import addresses` reads.")
        @Option(help: "Address points wanted, the known ones included") var points = 500_000
        @Option(help: "The known address points") var addresses = "data/addresses.csv"
        @Option(name: [.short, .customLong("output")], help: "The CSV to write") var output: String

        func validate() throws {
            guard points > 0 else { throw ValidationError("--points must be at least 1") }
        }

        func run() async throws {
            let started = ContinuousClock.now
            let known: [AddressPoint]
            do {
                known = try readCSV(bytes: try readFile(addresses)).rows.map { try AddressPoint(row: $0) }
            } catch let error as CSVRowError { throw ValidationError("\(addresses): \(error)") }
            let table = CityAddressGenerator(known: known, settings: .init(points: points)).points()
            let file = try CSVFileWriter(path: output)
            try file.write(CityAddressGenerator.header)
            for point in table { try file.write(CityAddressGenerator.row(point)) }
            try file.finish()
            let seconds = (ContinuousClock.now - started) / .seconds(1)
            let shortfall = table.count < points ? " (every short gap filled: fewer than the \(points) asked)" : ""
            print("\(output): \(table.count) address points, \(known.count) known and \(table.count - known.count) placed between them\(shortfall); "
                  + "\(String(format: "%.1f", seconds)) s")
        }
    }

    struct Requests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A seeded year of 311 requests around the city's address points, with its mix of types, seasons and "
                + "duplicate bursts linked to their first report, as a CSV `samespot import requests` reads.")
        @Option(help: "Requests in the year") var requests = 1_000_000
        @Option(help: "The year") var year = 2022
        @Option(help: "Seed: the same seed and inputs give the same file") var seed: UInt64 = 1
        @Option(help: "Address points CSV the requests are made at") var addresses = "data/addresses.csv"
        @Option(help: "A 311 export whose types, departments and shares the year follows") var typesFrom = "data/requests-2021-01-01.csv"
        @Option(help: "Share of reports about a place that start a burst of repeats") var burstShare = 0.06
        @Option(name: [.short, .customLong("output")], help: "The CSV to write") var output: String

        func validate() throws {
            guard requests > 0 else { throw ValidationError("--requests must be at least 1") }
            guard (0...1).contains(burstShare) else { throw ValidationError("--burst-share must be between 0 and 1") }
        }

        func run() async throws {
            let started = ContinuousClock.now
            let places: [CityYearGenerator.Place]
            do {
                places = try readCSV(bytes: try readFile(addresses)).rows.map { row in
                    let point = try AddressPoint(row: row)
                    return .init(address: point.fullAddress, zip: point.zipCode, longitude: point.longitude, latitude: point.latitude)
                }
            } catch let error as CSVRowError { throw ValidationError("\(addresses): \(error)") }
            var counts: [String: (name: String, department: String, count: Int)] = [:]
            for record in try readCityRecords([typesFrom]) {
                counts[record.serviceCode, default: (record.serviceName, record.department, 0)].count += 1
            }
            let types = counts.sorted { $0.key < $1.key }.map {
                CityYearGenerator.RequestType(code: $0.key, name: $0.value.name, department: $0.value.department, weight: Double($0.value.count))
            }
            guard !places.isEmpty, !types.isEmpty else { throw ValidationError("no address points in \(addresses), or no requests in \(typesFrom)") }
            var settings = CityYearGenerator.Settings(year: year, requests: requests, seed: seed)
            settings.burstShare = burstShare
            let rows = CityYearGenerator(places: places, types: types, settings: settings).rows()

            let file = try CSVFileWriter(path: output)
            for row in [CityYearGenerator.header] + rows { try file.write(row) }
            try file.finish()
            let duplicates = rows.lazy.filter { $0[13] == "True" }.count
            let seconds = (ContinuousClock.now - started) / .seconds(1)
            print("\(output): \(rows.count) requests of \(types.count) types at \(places.count) address points in \(year), "
                  + "\(duplicates) of them repeats linked to a first report; \(String(format: "%.1f", seconds)) s")
        }
    }
}
