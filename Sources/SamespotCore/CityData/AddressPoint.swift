/// One address point: a house number on a named street and where its door is.
///
/// The column aliases accept the sample city's own file and Cook County's "Address Points"
/// layout (`Add_Number`, `St_PreDir`, `St_Name`, `St_PosTyp`, …), so a city loads its own.
public struct AddressPoint: Sendable, Equatable {
    public var houseNumber: Int
    public var houseNumberSuffix: String
    public var preDirection: String
    public var streetName: String
    public var streetType: String
    public var postDirection: String
    public var zipCode: String
    public var longitude: Double
    public var latitude: Double
    public var source: String

    public init(houseNumber: Int, houseNumberSuffix: String = "", preDirection: String, streetName: String,
                streetType: String, postDirection: String = "", zipCode: String = "",
                longitude: Double, latitude: Double, source: String = "") {
        self.houseNumber = houseNumber
        self.houseNumberSuffix = houseNumberSuffix
        self.preDirection = preDirection
        self.streetName = streetName
        self.streetType = streetType
        self.postDirection = postDirection
        self.zipCode = zipCode
        self.longitude = longitude
        self.latitude = latitude
        self.source = source
    }

    /// "123 N MAIN ST": the canonical form the geocoder answers with.
    public var fullAddress: String {
        let number = houseNumberSuffix.isEmpty ? String(houseNumber) : "\(houseNumber) \(houseNumberSuffix)"
        return [number, preDirection, streetName, streetType, postDirection].filter { !$0.isEmpty }.joined(separator: " ")
    }

    public init(row: CSVRow) throws(CSVRowError) {
        let number = try row.requiredInt("house_number", "Add_Number", "AddNum", "ADDRNOCOM", "number")
        guard number >= 0 else {
            throw CSVRowError(line: row.line, column: "house_number", message: "a house number cannot be negative")
        }
        self.init(
            houseNumber: number,
            houseNumberSuffix: row.text("house_number_suffix", "AddNum_Suf", "Add_Number_Suffix").uppercased(),
            preDirection: row.text("pre_direction", "St_PreDir", "StNamePreDir", "direction").uppercased(),
            streetName: try row.requiredText("street_name", "St_Name", "StName", "street").uppercased(),
            streetType: row.text("street_type", "St_PosTyp", "StNamePostType", "suffix").uppercased(),
            postDirection: row.text("post_direction", "St_PosDir", "StNamePostDir").uppercased(),
            zipCode: row.text("zip_code", "Post_Code", "ZIP", "zipcode"),
            longitude: try row.requiredDouble(["longitude", "Long", "lon", "x"], in: -180...180),
            latitude: try row.requiredDouble(["latitude", "Lat", "y"], in: -90...90),
            source: row.text("source")
        )
    }
}
