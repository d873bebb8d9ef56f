import Foundation
import Logging
import PostgresNIO
import SamespotCore
import Synchronization

/// Loads the city's reference tables (address points, streets, intersections) from CSV.
///
/// Every row is read and checked before anything is written, and the write is one
/// transaction: a bad row reports its line and leaves the table as it was.
public struct ReferenceDataImporter: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// Replaces (or, with `replace: false`, adds to) the address point table.
    public func importAddressPoints(csv bytes: [UInt8], file: String, replace: Bool = true,
                                    progress: ImportProgress? = nil) async throws -> ImportSummary {
        let points: [AddressPoint] = try Self.parse(bytes, file: file, progress: progress, AddressPoint.init(row:))
        let rows: [[String?]] = points.map { p in
            [String(p.houseNumber), p.houseNumberSuffix, p.preDirection, p.streetName, p.streetType, p.postDirection,
             p.fullAddress, p.zipCode, String(p.longitude), String(p.latitude), p.source.isEmpty ? file : p.source]
        }
        try await write(rows, table: "address_points", replace: replace, progress: progress, columns: [
            "house_number", "house_number_suffix", "pre_direction", "street_name", "street_type", "post_direction",
            "full_address", "zip_code", "longitude", "latitude", "source",
        ])
        return ImportSummary(kind: "address points", rowsRead: points.count, rowsWritten: rows.count)
    }

    public func importStreets(csv bytes: [UInt8], file: String, replace: Bool = true,
                              progress: ImportProgress? = nil) async throws -> ImportSummary {
        let streets: [StreetRecord] = try Self.parse(bytes, file: file, progress: progress, StreetRecord.init(row:))
        let rows: [[String?]] = streets.map { s in
            [s.fullName, s.preDirection, s.streetName, s.streetType, s.postDirection,
             s.minAddress.map(String.init), s.maxAddress.map(String.init)]
        }
        try await write(rows, table: "streets", replace: replace, progress: progress, columns: [
            "full_name", "pre_direction", "street_name", "street_type", "post_direction", "min_address", "max_address",
        ])
        return ImportSummary(kind: "streets", rowsRead: streets.count, rowsWritten: rows.count)
    }

    public func importIntersections(csv bytes: [UInt8], file: String, replace: Bool = true,
                                    progress: ImportProgress? = nil) async throws -> ImportSummary {
        let corners: [IntersectionRecord] = try Self.parse(bytes, file: file, progress: progress, IntersectionRecord.init(row:))
        let rows: [[String?]] = corners.map { c in
            [c.name, c.street1, c.street2, c.zipCode, String(c.longitude), String(c.latitude)]
        }
        try await write(rows, table: "intersections", replace: replace, progress: progress, columns: [
            "name", "street_1", "street_2", "zip_code", "longitude", "latitude",
        ])
        return ImportSummary(kind: "intersections", rowsRead: corners.count, rowsWritten: rows.count)
    }

    /// Replaces the city's holidays (days with no deadline); future requests' deadlines skip them.
    public func importHolidays(csv bytes: [UInt8], file: String, replace: Bool = true) async throws -> ImportSummary {
        let days: [HolidayRecord] = try Self.parse(bytes, file: file, progress: nil, HolidayRecord.init(row:))
        var seen = Set<CivilDate>()
        for day in days where !seen.insert(day.date).inserted {
            throw ImportError(file: file, message: "\(day.date) appears twice")
        }
        try await write(days.map { [$0.date.description, $0.name] }, table: "holidays", replace: replace, progress: nil,
                        columns: ["day", "name"])
        return ImportSummary(kind: "holidays", rowsRead: days.count, rowsWritten: days.count)
    }

    /// Reads and checks every row; the first bad one stops the import with its line number.
    /// The file's rows as records, checked on every core (`InParts`): a city-year is a million
    /// rows, and each row's check (dates, numbers, coordinates) is independent of the others.
    /// A bad row stops the import with the file's first bad line.
    static func parse<Record: Sendable>(_ bytes: [UInt8], file: String, progress: ImportProgress?,
                                        _ make: @escaping @Sendable (CSVRow) throws(CSVRowError) -> Record) throws -> [Record] {
        do {
            progress?("reading", 0, 1)
            let rows = try readCSV(bytes: bytes).rows
            progress?("reading", rows.count, rows.count)
            let checked = Atomic<Int>(0)
            let records = try InParts.map(count: rows.count) { range in
                var records: [Record] = []
                records.reserveCapacity(range.count)
                for index in range {
                    records.append(try make(rows[index]))
                    if index % 50_000 == 0 { progress?("checking", checked.add(50_000, ordering: .relaxed).newValue, rows.count) }
                }
                return records
            }
            progress?("checking", rows.count, rows.count)
            return records
        } catch let error as CSVRowError {
            throw ImportError(file: file, message: error.description)
        }
    }

    private func write(_ rows: [[String?]], table: String, replace: Bool, progress: ImportProgress?,
                       columns: [String]) async throws {
        let logger = database.logger
        try await database.client.withTransaction(logger: logger) { connection in
            if replace {
                try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table)"), logger: logger)
            }
            try await CopyWriter.copy(rows, into: table, columns: columns, on: connection, logger: logger) { done in
                progress?("writing", done, rows.count)
            }
        }
        try await database.notifyReferenceChanged()
    }
}
