import SamespotCore

extension CityRequestRecord {
    /// Latitude and longitude for rows that give only projected x/y, from the column mapping's
    /// `coordinatesEPSG` (another city's state plane, say). Rows that already have them, or
    /// whose x/y do not project, are left as they are.
    public static func fillCoordinates(_ records: inout [CityRequestRecord], fromEPSG epsg: Int) throws(ProjectionError) {
        let projection = try Projection(targetEPSG: epsg)
        for i in records.indices where records[i].longitude == nil {
            guard let x = records[i].projectedX, let y = records[i].projectedY,
                  let lonLat = projection.inverse(x: x, y: y),
                  (-180...180).contains(lonLat.longitude), (-90...90).contains(lonLat.latitude) else { continue }
            records[i].longitude = lonLat.longitude
            records[i].latitude = lonLat.latitude
        }
    }
}
