/// A street from the city's street name list, with its valid house number range.
public struct StreetRecord: Sendable, Equatable {
    public var fullName: String
    public var preDirection: String
    public var streetName: String
    public var streetType: String
    public var postDirection: String
    public var minAddress: Int?
    public var maxAddress: Int?

    public init(fullName: String, preDirection: String, streetName: String, streetType: String,
                postDirection: String, minAddress: Int?, maxAddress: Int?) {
        self.fullName = fullName
        self.preDirection = preDirection
        self.streetName = streetName
        self.streetType = streetType
        self.postDirection = postDirection
        self.minAddress = minAddress
        self.maxAddress = maxAddress
    }

    public init(row: CSVRow) throws(CSVRowError) {
        fullName = try row.requiredText("Full Street Name", "full_name").uppercased()
        preDirection = row.text("Direction", "pre_direction").uppercased()
        streetName = try row.requiredText("Street", "street_name").uppercased()
        streetType = row.text("Suffix", "street_type").uppercased()
        postDirection = row.text("Suffix Direction", "post_direction").uppercased()
        let low = row.text("Min Address", "min_address")
        let high = row.text("Max Address", "max_address")
        minAddress = Int(low)
        maxAddress = Int(high)
        if !low.isEmpty, minAddress == nil {
            throw CSVRowError(line: row.line, column: "Min Address", message: "\"\(low)\" is not a whole number")
        }
        if !high.isEmpty, maxAddress == nil {
            throw CSVRowError(line: row.line, column: "Max Address", message: "\"\(high)\" is not a whole number")
        }
    }
}

/// A named corner of two streets and its point.
public struct IntersectionRecord: Sendable, Equatable {
    public var name: String
    public var street1: String
    public var street2: String
    public var zipCode: String
    public var longitude: Double
    public var latitude: Double

    public init(name: String, street1: String, street2: String, zipCode: String, longitude: Double, latitude: Double) {
        self.name = name
        self.street1 = street1
        self.street2 = street2
        self.zipCode = zipCode
        self.longitude = longitude
        self.latitude = latitude
    }

    public init(row: CSVRow) throws(CSVRowError) {
        street1 = try row.requiredText("street_1", "street1").uppercased()
        street2 = try row.requiredText("street_2", "street2").uppercased()
        let given = row.text("intersection", "name").uppercased()
        name = given.isEmpty ? "\(street1) & \(street2)" : given
        zipCode = row.text("zipcode", "zip_code", "zip")
        longitude = try row.requiredDouble(["longitude", "lon"], in: -180...180)
        latitude = try row.requiredDouble(["latitude", "lat"], in: -90...90)
    }
}
