import Foundation
import SamespotCore

/// One ward of a boundary set as read from a file: its id, its shape (WKB, lon/lat) and the
/// feature's other properties (alderman, office phone, …) kept as JSON for the ward pages.
public struct WardShape: Sendable, Equatable {
    public var ward: String
    public var wkb: [UInt8]
    public var propertiesJSON: String
}

/// Reads a ward boundary set from GeoJSON (a FeatureCollection, as cities publish it or as
/// shapefile converters write it): one ward id per feature, several features of one ward united,
/// invalid rings repaired with GEOS `MakeValid` (and said so), coordinates in lon/lat.
public enum WardSetReader {
    /// The property names cities use for the ward number, tried in this order when none is given.
    public static let wardPropertyNames = ["ward", "ward_id", "wardid", "ward_num", "ward_no", "district_n", "district", "dist_num", "name"]

    public struct Result: Sendable {
        public var wards: [WardShape]
        public var notes: [String]
    }

    public static func read(geoJSON data: Data, wardProperty: String? = nil) throws(GeometryError) -> Result {
        guard let object = try? JSONSerialization.jsonObject(with: data),
              let root = object as? [String: Any] else {
            throw GeometryError("the file is not JSON: a GeoJSON FeatureCollection is expected")
        }
        guard root["type"] as? String == "FeatureCollection", let features = root["features"] as? [[String: Any]] else {
            throw GeometryError("the file is not a GeoJSON FeatureCollection (\"type\": \"FeatureCollection\" with \"features\")")
        }
        try checkCRS(root["crs"])
        let context = GEOSContext()
        var parts: [String: [Geometry]] = [:]
        var properties: [String: String] = [:]
        var notes: [String] = []
        for (index, feature) in features.enumerated() {
            let props = feature["properties"] as? [String: Any] ?? [:]
            guard let ward = wardID(in: props, preferred: wardProperty) else {
                let wanted = wardProperty.map { "\"\($0)\"" } ?? wardPropertyNames.map { "\"\($0)\"" }.joined(separator: ", ")
                throw GeometryError("feature \(index + 1) has no ward id: expected a property \(wanted) (use --ward-property to name it)")
            }
            guard let geometryObject = feature["geometry"] as? [String: Any],
                  let type = geometryObject["type"] as? String, type == "Polygon" || type == "MultiPolygon" else {
                throw GeometryError("feature \(index + 1) (ward \(ward)) has no Polygon or MultiPolygon geometry")
            }
            // GEOS reads positions of two numbers only; heights (often 0 from GIS exports) are dropped.
            var flatObject = geometryObject
            if let coordinates = geometryObject["coordinates"] {
                let (flat, hadHeights) = Self.dropHeights(coordinates)
                flatObject["coordinates"] = flat
                if hadHeights { notes.append("ward \(ward): 3-D coordinates read as 2-D (heights dropped)") }
            }
            guard let geometryData = try? JSONSerialization.data(withJSONObject: flatObject) else {
                throw GeometryError("feature \(index + 1) (ward \(ward)): cannot re-read its geometry")
            }
            var geometry: Geometry
            do {
                geometry = try Geometry(geoJSON: String(decoding: geometryData, as: UTF8.self), context: context)
            } catch {
                throw GeometryError("feature \(index + 1) (ward \(ward)): \(error.message)")
            }
            try checkAndRepair(&geometry, ward: ward, notes: &notes)
            parts[ward, default: []].append(geometry)
            if properties[ward] == nil, let json = try? JSONSerialization.data(withJSONObject: props, options: [.sortedKeys]) {
                properties[ward] = String(decoding: json, as: UTF8.self)
            }
        }
        return try assemble(parts, properties: properties, notes: notes, context: context, what: "the FeatureCollection has no features")
    }

    /// A ward set from CSV with one WKT geometry per row, as city data portals export it
    /// (`the_geom`, `geometry` or `wkt`; the ward in `ward`, `ward_id`, … or `--ward-property`).
    public static func read(wktCSV bytes: [UInt8], wardProperty: String? = nil) throws(GeometryError) -> Result {
        let table: (header: CSVHeader, rows: [CSVRow])
        do { table = try readCSV(bytes: bytes) } catch { throw GeometryError(error.description) }
        guard let geometryColumn = table.header.position(of: ["the_geom", "geometry", "wkt", "geom", "shape"]) else {
            throw GeometryError("the CSV has no geometry column (the_geom, geometry or wkt)")
        }
        let names = wardProperty.map { [$0] } ?? wardPropertyNames
        guard let wardColumn = table.header.position(of: names) else {
            throw GeometryError("the CSV has no ward column (\(names.joined(separator: ", "))); name it with --ward-property")
        }
        let context = GEOSContext()
        var parts: [String: [Geometry]] = [:]
        var properties: [String: String] = [:]
        var notes: [String] = []
        for row in table.rows {
            let ward = row.fields[wardColumn].trimmingASCIIWhitespace()
            guard !ward.isEmpty else { throw GeometryError("line \(row.line): the ward is empty") }
            var geometry: Geometry
            do {
                geometry = try Geometry(wkt: row.fields[geometryColumn], context: context)
            } catch {
                throw GeometryError("line \(row.line) (ward \(ward)): \(error.message)")
            }
            guard ["Polygon", "MultiPolygon"].contains(geometry.typeName) else {
                throw GeometryError("line \(row.line) (ward \(ward)): a \(geometry.typeName), not a Polygon or MultiPolygon")
            }
            try checkAndRepair(&geometry, ward: ward, notes: &notes)
            parts[ward, default: []].append(geometry)
            if properties[ward] == nil {
                var props: [String: String] = [:]
                for (i, name) in table.header.names.enumerated() where i != geometryColumn { props[name] = row.fields[i] }
                if let json = try? JSONSerialization.data(withJSONObject: props, options: [.sortedKeys]) {
                    properties[ward] = String(decoding: json, as: UTF8.self)
                }
            }
        }
        return try assemble(parts, properties: properties, notes: notes, context: context, what: "the CSV has no rows")
    }

    /// Repairs an invalid shape (saying so) and refuses coordinates that are not lon/lat.
    static func checkAndRepair(_ geometry: inout Geometry, ward: String, notes: inout [String]) throws(GeometryError) {
        // The coordinates first: MakeValid has nothing sensible to make of an empty shape, an
        // infinite coordinate or feet read as degrees.
        guard let b = geometry.bounds else { throw GeometryError("ward \(ward): the shape is empty (no coordinates)") }
        if !(b.minX.isFinite && b.maxX.isFinite && b.minY.isFinite && b.maxY.isFinite) {
            throw GeometryError("ward \(ward): a coordinate is not a finite number")
        }
        if b.minX < -180 || b.maxX > 180 || b.minY < -90 || b.maxY > 90 {
            throw GeometryError("ward \(ward): coordinates are not longitude/latitude (x \(b.minX)…\(b.maxX)); reproject the file to EPSG:4326")
        }
        if !geometry.isValid {
            notes.append("ward \(ward): \(geometry.validityReason); repaired with MakeValid")
            geometry = try geometry.makeValid()
        }
    }

    /// GeoJSON coordinates with every position cut to its first two numbers, and whether any
    /// position had more.
    static func dropHeights(_ coordinates: Any) -> (Any, Bool) {
        guard let array = coordinates as? [Any] else { return (coordinates, false) }
        if array.count > 2, array.allSatisfy({ $0 is NSNumber }) { return (Array(array.prefix(2)), true) }
        var dropped = false
        let inner = array.map { element -> Any in
            let (flat, had) = dropHeights(element)
            dropped = dropped || had
            return flat
        }
        return (inner, dropped)
    }

    /// One shape per ward, several pieces of a ward united, in the set's order.
    static func assemble(_ parts: [String: [Geometry]], properties: [String: String], notes: [String],
                         context: GEOSContext, what: String) throws(GeometryError) -> Result {
        var notes = notes
        guard !parts.isEmpty else { throw GeometryError(what) }
        var wards: [WardShape] = []
        for ward in WardIndex.ordered(Array(parts.keys)) {
            let pieces = parts[ward]!
            let shape = pieces.count == 1 ? pieces[0] : try Geometry.union(pieces, context: context)
            if pieces.count > 1 { notes.append("ward \(ward): \(pieces.count) features united into one") }
            wards.append(WardShape(ward: ward, wkb: shape.wkb, propertiesJSON: properties[ward] ?? "{}"))
        }
        return Result(wards: wards, notes: notes)
    }

    private static func wardID(in props: [String: Any], preferred: String?) -> String? {
        let lowered = Dictionary(props.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        let names = preferred.map { [$0.lowercased()] } ?? wardPropertyNames
        for name in names {
            switch lowered[name] {
            case let text as String where !text.trimmingASCIIWhitespaceFoundation().isEmpty:
                return text.trimmingASCIIWhitespaceFoundation()
            case let number as NSNumber:
                return number.stringValue
            default: continue
            }
        }
        return nil
    }

    /// GeoJSON is lon/lat WGS84 by definition; old files declare NAD83 (EPSG:4269), whose
    /// difference from WGS84 in the US is about a metre: accepted as the same. Others are refused.
    private static func checkCRS(_ crs: Any?) throws(GeometryError) {
        guard let crs = crs as? [String: Any], let props = crs["properties"] as? [String: Any],
              let name = props["name"] as? String else { return }
        let accepted = ["CRS84", "EPSG::4326", "EPSG:4326", "EPSG::4269", "EPSG:4269"]
        guard accepted.contains(where: { name.hasSuffix($0) }) else {
            throw GeometryError("the file declares the CRS \(name); Samespot reads ward boundaries in longitude/latitude (EPSG:4326). Reproject it first, e.g. ogr2ogr -t_srs EPSG:4326")
        }
    }
}

extension String {
    fileprivate func trimmingASCIIWhitespaceFoundation() -> String {
        trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
