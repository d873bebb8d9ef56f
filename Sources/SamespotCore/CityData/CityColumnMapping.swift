import Foundation

/// Which column of a city's 311 export holds which field, for files whose headers Samespot does
/// not know: renamed ("Case ID" for the request number), in another projection (x/y in the
/// state plane instead of latitude/longitude), or labelled another way (a parent column, a
/// status or notes column matching a pattern).
///
/// Written as JSON (`--columns mapping.json`) or flags (`--column id="Case ID"`); fields left
/// out keep the built-in aliases, which already read Chicago's current and older layouts, any
/// case, spaces or underscores, and a prefix every column shares ("sr.", "req_").
///
/// ```json
/// {"columns": {"id": "Case ID", "type": "Request Type", "created": "Opened",
///              "x": "POINT_X", "y": "POINT_Y", "duplicate": "Notes"},
///  "coordinatesEPSG": 2227, "duplicatePattern": "(?i)duplicate of"}
/// ```
public struct CityColumnMapping: Sendable, Equatable, Codable {
    public enum Field: String, CaseIterable, Sendable, Codable {
        case id, type, typeCode, department, status, channel, created, updated, closed
        case address, zip, longitude, latitude, x, y, description, duplicate, parent, ward

        /// The headers read when the mapping names none, first match wins.
        public var aliases: [String] {
            switch self {
            case .id: return ["sr_number", "Service Request Number", "service_request_id"]
            case .type: return ["sr_type", "Type of Service Request", "service_name"]
            case .typeCode: return ["sr_short_code", "service_code"]
            case .department: return ["owner_department", "created_department", "agency_responsible"]
            case .status: return ["status"]
            case .channel: return ["origin", "channel"]
            case .created: return ["created_date", "Creation Date", "requested_datetime"]
            case .updated: return ["last_modified_date", "updated_datetime"]
            case .closed: return ["closed_date", "Completion Date"]
            case .address: return ["street_address", "Street Address", "address"]
            case .zip: return ["zip_code", "ZIP Code", "ZIP"]
            case .longitude: return ["longitude", "long", "lon", "lng"]
            case .latitude: return ["latitude", "lat"]
            case .x: return ["x_coordinate", "X Coordinate"]
            case .y: return ["y_coordinate", "Y Coordinate"]
            case .description: return ["description", "What is the Nature of this Code Violation"]
            case .duplicate: return ["duplicate"]
            case .parent: return ["parent_sr_number", "parent_service_request_id"]
            case .ward: return ["ward"]
            }
        }
    }

    /// Field → the file's header for it.
    public var columns: [Field: String]
    /// EPSG of the `x`/`y` columns, read when a row has no latitude/longitude (or the mapping
    /// names x/y and no latitude/longitude). Chicago's x/y are EPSG:3435 (state plane, US feet).
    public var coordinatesEPSG: Int?
    /// A regular expression: a row is a duplicate when the `duplicate` column (or, when the
    /// mapping names none, the status) matches it. Without it, a flag column (true/t/1/yes/y)
    /// and statuses such as "Completed - Dup" are read.
    public var duplicatePattern: String?

    public init(columns: [Field: String] = [:], coordinatesEPSG: Int? = nil, duplicatePattern: String? = nil) {
        self.columns = columns
        self.coordinatesEPSG = coordinatesEPSG
        self.duplicatePattern = duplicatePattern
    }

    /// The built-in layouts.
    public static let standard = CityColumnMapping()

    /// The headers to look for, for one field.
    public func aliases(_ field: Field) -> [String] {
        columns[field].map { [$0] } ?? field.aliases
    }

    /// Reads `{"columns": {...}, "coordinatesEPSG": …, "duplicatePattern": …}`; unknown field
    /// names are refused with the list of known ones.
    public static func decode(json bytes: [UInt8]) throws(CityColumnMappingError) -> CityColumnMapping {
        struct Wire: Decodable {
            var columns: [String: String]?
            var coordinatesEPSG: Int?
            var duplicatePattern: String?
        }
        let wire: Wire
        do { wire = try JSONDecoder().decode(Wire.self, from: Data(bytes)) } catch {
            throw CityColumnMappingError("the column mapping is not JSON of the form {\"columns\": {\"id\": \"Case ID\", …}}: \(error)")
        }
        var mapping = CityColumnMapping(coordinatesEPSG: wire.coordinatesEPSG, duplicatePattern: wire.duplicatePattern)
        for (name, header) in wire.columns ?? [:] { try mapping.set(name, header) }
        try mapping.validate()
        return mapping
    }

    /// Sets one field from `name=header` text, as the `--column` flag gives it.
    public mutating func set(assignment: String) throws(CityColumnMappingError) {
        guard let eq = assignment.firstIndex(of: "=") else {
            throw CityColumnMappingError("--column \(assignment): write FIELD=HEADER, e.g. id=\"Case ID\"")
        }
        try set(String(assignment[..<eq]), String(assignment[assignment.index(after: eq)...]))
    }

    public mutating func set(_ name: String, _ header: String) throws(CityColumnMappingError) {
        guard let field = Field(rawValue: name) else {
            throw CityColumnMappingError("\"\(name)\" is not a field; the fields are \(Field.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        columns[field] = header
    }

    /// The pattern compiles.
    public func validate() throws(CityColumnMappingError) {
        if let duplicatePattern {
            do { _ = try NSRegularExpression(pattern: duplicatePattern) } catch {
                throw CityColumnMappingError("duplicatePattern \"\(duplicatePattern)\" is not a regular expression")
            }
        }
    }
}

public struct CityColumnMappingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
