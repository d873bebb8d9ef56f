import Foundation

/// A service request as a city's 311 export writes it.
///
/// Reads the current Chicago layout (`sr_number`, `sr_type`, `created_date`, …) and the older
/// per-type files (`Service Request Number`, `Type of Service Request`, `Creation Date`, …).
/// The city's own duplicate flag, parent and ward are kept apart (`cityDuplicate`, …): they
/// are labels to evaluate Samespot against, never inputs to its decisions.
public struct CityRequestRecord: Sendable, Equatable {
    public var serviceRequestID: String
    public var serviceName: String
    public var serviceCode: String
    public var department: String
    public var status: CaseStatus
    public var cityStatus: String
    public var channel: String
    public var requestedAt: CityTimestamp
    public var updatedAt: CityTimestamp?
    public var closedAt: CityTimestamp?
    public var address: String
    public var zipCode: String
    public var longitude: Double?
    public var latitude: Double?
    public var description: String
    public var cityDuplicate: Bool
    public var cityParentID: String
    public var cityWard: String
    public var line: Int

    /// Coordinates in the mapping's `coordinatesEPSG` (x/y columns), kept when the row gives no
    /// latitude/longitude, for the caller to project (`CityColumnMapping.coordinatesEPSG`).
    public var projectedX: Double?
    public var projectedY: Double?

    public init(row: CSVRow) throws(CSVRowError) {
        try self.init(row: row, reader: .standard)
    }

    public init(row: CSVRow, reader: CityRecordReader) throws(CSVRowError) {
        let m = reader.mapping
        line = row.line
        serviceRequestID = try row.requiredText(m.aliases(.id))
        serviceName = try row.requiredText(m.aliases(.type))
        let shortCode = row.text(m.aliases(.typeCode))
        serviceCode = shortCode.isEmpty ? CityRequestRecord.code(forName: serviceName) : shortCode
        department = row.text(m.aliases(.department))
        cityStatus = try row.requiredText(m.aliases(.status))
        guard let parsed = CityStatus(label: cityStatus) else {
            throw CSVRowError(line: row.line, column: "status", message: "\"\(cityStatus)\" is not a status Samespot knows (Open, Completed, Canceled, … - Dup)")
        }
        status = parsed.status
        channel = row.text(m.aliases(.channel))
        let created = try row.requiredText(m.aliases(.created))
        guard let createdAt = CityTimestamp(parsing: created) else {
            throw CSVRowError(line: row.line, column: "created_date", message: "\"\(created)\" is not a date (YYYY-MM-DD[THH:MM:SS])")
        }
        requestedAt = createdAt
        updatedAt = try CityRequestRecord.optionalTimestamp(row, m.aliases(.updated))
        closedAt = try CityRequestRecord.optionalTimestamp(row, m.aliases(.closed))
        address = row.text(m.aliases(.address))
        zipCode = row.text(m.aliases(.zip))
        longitude = try row.optionalDouble(m.aliases(.longitude), in: -180...180)
        latitude = try row.optionalDouble(m.aliases(.latitude), in: -90...90)
        if (longitude == nil) != (latitude == nil) {
            throw CSVRowError(line: row.line, column: "latitude", message: "latitude and longitude must both be given or both be empty")
        }
        if longitude == nil, m.coordinatesEPSG != nil {
            projectedX = try row.optionalDouble(m.aliases(.x), in: -1e9...1e9)
            projectedY = try row.optionalDouble(m.aliases(.y), in: -1e9...1e9)
            if (projectedX == nil) != (projectedY == nil) {
                throw CSVRowError(line: row.line, column: "x", message: "x and y must both be given or both be empty")
            }
        }
        description = row.text(m.aliases(.description))
        let flag = row.text(m.aliases(.duplicate))
        if let pattern = reader.duplicatePattern {
            let labelled = m.columns[.duplicate] != nil ? flag : cityStatus
            cityDuplicate = reader.matches(pattern, labelled)
        } else {
            let f = flag.lowercased()
            cityDuplicate = parsed.markedDuplicate || f == "true" || f == "t" || f == "1" || f == "yes" || f == "y"
        }
        cityParentID = row.text(m.aliases(.parent))
        // A parent link is a duplicate label too, in files that carry no flag.
        if !cityParentID.isEmpty, m.columns[.duplicate] == nil, row.header.position(of: m.aliases(.duplicate)) == nil { cityDuplicate = true }
        cityWard = row.text(m.aliases(.ward))
    }

    private static func optionalTimestamp(_ row: CSVRow, _ aliases: [String]) throws(CSVRowError) -> CityTimestamp? {
        guard let position = row.header.position(of: aliases) else { return nil }
        let text = row.fields[position].trimmingASCIIWhitespace()
        if text.isEmpty { return nil }
        guard let value = CityTimestamp(parsing: text) else {
            throw CSVRowError(line: row.line, column: row.header.names[position], message: "\"\(text)\" is not a date")
        }
        return value
    }

    /// Older files name a type but give no code: derive a stable one from the name
    /// ("Pot Hole in Street" → "POT_HOLE_IN_STREET").
    public static func code(forName name: String) -> String {
        var code = ""
        var pendingSeparator = false
        for scalar in name.uppercased().unicodeScalars {
            if CharacterSetASCII.isAlphanumeric(scalar) {
                if pendingSeparator, !code.isEmpty { code.append("_") }
                code.unicodeScalars.append(scalar)
                pendingSeparator = false
            } else {
                pendingSeparator = true
            }
        }
        return String(code.prefix(60))
    }
}

/// Reads rows of one city's export by a column mapping (its pattern compiled once).
public struct CityRecordReader: Sendable {
    public let mapping: CityColumnMapping
    let duplicatePattern: NSRegularExpression?

    public init(mapping: CityColumnMapping) throws(CityColumnMappingError) {
        try mapping.validate()
        self.mapping = mapping
        duplicatePattern = mapping.duplicatePattern.flatMap { try? NSRegularExpression(pattern: $0) }
    }

    private init() {
        mapping = .standard
        duplicatePattern = nil
    }

    nonisolated(unsafe) static let standard = CityRecordReader()

    /// Whether `text` marks a duplicate by the mapping's pattern.
    func matches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }

    public func record(_ row: CSVRow) throws(CSVRowError) -> CityRequestRecord {
        try CityRequestRecord(row: row, reader: self)
    }
}
