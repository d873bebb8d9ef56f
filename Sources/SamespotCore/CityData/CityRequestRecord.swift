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

    public init(row: CSVRow) throws(CSVRowError) {
        line = row.line
        serviceRequestID = try row.requiredText("sr_number", "Service Request Number", "service_request_id")
        serviceName = try row.requiredText("sr_type", "Type of Service Request", "service_name")
        let shortCode = row.text("sr_short_code", "service_code")
        serviceCode = shortCode.isEmpty ? CityRequestRecord.code(forName: serviceName) : shortCode
        department = row.text("owner_department", "created_department", "agency_responsible")
        cityStatus = try row.requiredText("status")
        guard let parsed = CityStatus(label: cityStatus) else {
            throw CSVRowError(line: row.line, column: "status", message: "\"\(cityStatus)\" is not a status Samespot knows (Open, Completed, Canceled, … - Dup)")
        }
        status = parsed.status
        channel = row.text("origin", "channel")
        let created = try row.requiredText("created_date", "Creation Date", "requested_datetime")
        guard let createdAt = CityTimestamp(parsing: created) else {
            throw CSVRowError(line: row.line, column: "created_date", message: "\"\(created)\" is not a date (YYYY-MM-DD[THH:MM:SS])")
        }
        requestedAt = createdAt
        updatedAt = try CityRequestRecord.optionalTimestamp(row, ["last_modified_date", "updated_datetime"])
        closedAt = try CityRequestRecord.optionalTimestamp(row, ["closed_date", "Completion Date"])
        address = row.text("street_address", "Street Address", "address")
        zipCode = row.text("zip_code", "ZIP Code", "ZIP")
        longitude = try row.optionalDouble(["longitude", "long"], in: -180...180)
        latitude = try row.optionalDouble(["latitude", "lat"], in: -90...90)
        if (longitude == nil) != (latitude == nil) {
            throw CSVRowError(line: row.line, column: "latitude", message: "latitude and longitude must both be given or both be empty")
        }
        description = row.text("description", "What is the Nature of this Code Violation")
        let flag = row.text("duplicate").lowercased()
        cityDuplicate = parsed.markedDuplicate || flag == "true" || flag == "t" || flag == "1"
        cityParentID = row.text("parent_sr_number")
        cityWard = row.text("ward")
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
