import PostgresNIO
import SamespotCore

/// Reads the address table, street list and corners from PostgreSQL into a `GeocoderIndex`.
/// Called at start-up and after an import; PostgreSQL stays the source of truth.
public struct GeocoderStore: Sendable {
    public let database: Database

    public init(database: Database) { self.database = database }

    /// The geocoder's index from the tables, with the addresses the city's imported history
    /// placed that the table lacks (`loadLearnedAddresses`).
    public func loadIndex() async throws -> GeocoderIndex {
        try await loadReference().index(learning: try await loadLearnedAddresses())
    }

    /// The address table, street list and corners as stored.
    public func loadReference() async throws -> GeocoderReference {
        let logger = database.logger
        var addresses: [(id: Int64, point: AddressPoint)] = []
        let rows = try await database.client.query("""
            SELECT address_id, house_number, house_number_suffix, pre_direction, street_name, street_type,
                   post_direction, zip_code, longitude, latitude FROM address_points
            """, logger: logger)
        for try await (id, number, suffix, pre, name, type, post, zip, lon, lat) in rows.decode(
            (Int64, Int, String, String, String, String, String, String, Double, Double).self) {
            addresses.append((id, AddressPoint(houseNumber: number, houseNumberSuffix: suffix, preDirection: pre, streetName: name,
                                               streetType: type, postDirection: post, zipCode: zip, longitude: lon, latitude: lat)))
        }
        var streets: [StreetRecord] = []
        for try await (full, pre, name, type, post, low, high) in try await database.client.query(
            "SELECT full_name, pre_direction, street_name, street_type, post_direction, min_address, max_address FROM streets",
            logger: logger).decode((String, String, String, String, String, Int?, Int?).self) {
            streets.append(StreetRecord(fullName: full, preDirection: pre, streetName: name, streetType: type,
                                        postDirection: post, minAddress: low, maxAddress: high))
        }
        var corners: [IntersectionRecord] = []
        for try await (name, s1, s2, zip, lon, lat) in try await database.client.query(
            "SELECT name, street_1, street_2, zip_code, longitude, latitude FROM intersections",
            logger: logger).decode((String, String, String, String, Double, Double).self) {
            corners.append(IntersectionRecord(name: name, street1: s1, street2: s2, zipCode: zip, longitude: lon, latitude: lat))
        }
        return GeocoderReference(addresses: addresses, streets: streets, intersections: corners)
    }

    /// Addresses as the city's imported requests wrote them, each at the median of the city's own
    /// coordinates for it. Only imported rows count: their coordinates are the city's placement,
    /// while a coordinate sent to the API is a caller's pin (or this geocoder's own answer).
    public func loadLearnedAddresses() async throws -> [LearnedAddress] {
        var learned: [LearnedAddress] = []
        for try await (address, lon, lat, count) in try await database.client.query("""
            SELECT upper(btrim(address)), percentile_cont(0.5) WITHIN GROUP (ORDER BY longitude),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY latitude), count(*)
            FROM service_requests
            WHERE source = 'import' AND location_precision = 'caller' AND address <> '' AND longitude IS NOT NULL
            GROUP BY 1
            """, logger: database.logger).decode((String, Double, Double, Int64).self) {
            learned.append(LearnedAddress(address: address, longitude: lon, latitude: lat, reports: Int(count)))
        }
        return learned
    }
}

/// What the geocoder is built from: the city's address table, street list and named corners.
public struct GeocoderReference: Sendable {
    public var addresses: [(id: Int64, point: AddressPoint)]
    public var streets: [StreetRecord]
    public var intersections: [IntersectionRecord]

    /// The geocoder over these, less the address ids `leaveOut` names (for the held-out
    /// evaluation), with what the city's history taught.
    public func index(leavingOut leaveOut: (Int64) -> Bool = { _ in false }, learning learned: [LearnedAddress] = []) -> GeocoderIndex {
        GeocoderIndex(addresses: addresses.filter { !leaveOut($0.id) }, streets: streets, intersections: intersections, learned: learned)
    }
}
