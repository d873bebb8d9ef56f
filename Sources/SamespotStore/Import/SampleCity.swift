import Foundation
import SamespotGeo

/// The bundled sample city (Chicago, in data/): which files, in which order, and the dates
/// each ward map was in force. `ImportService.sampleCity` loads it, for `samespot import sample` and the tests.
public enum SampleCity {
    public static let wardSets: [(file: String, name: String, from: String?, to: String?)] = [
        ("wards-2003.geojson", "chicago-2003", "2003-05-01", "2015-05-17"),
        ("wards-2015.geojson", "chicago-2015", "2015-05-18", "2023-05-14"),
        ("wards-2023.geojson", "chicago-2023", "2023-05-15", nil),
    ]
    public static let requestsFile = "requests-2021-01-01.csv"
    /// Real history, loaded after `requestsFile` by the same importer: the sanitation code
    /// complaints of 2011–2013 and the older per-type samples (early 2011–2013). The sanitation
    /// sample repeats requests of the sanitation file; those are stored once, from the first.
    public static let historyFiles = [
        "history/sanitation-2011-2013.csv",
        "history/abandoned-vehicles.csv",
        "history/garbage-carts.csv",
        "history/general.csv",
        "history/graffiti-removal.csv",
        "history/pot-holes.csv",
        "history/rodent-baiting.csv",
        "history/sanitation-code.csv",
        "history/tree-debris.csv",
        "history/tree-trims.csv",
    ]
    public static let holidaysFile = "holidays.csv"
    /// The questions of its main types (Open311 service definitions).
    public static let serviceDefinitionsFile = "service-definitions.json"
    public static let city = CitySettings(timeZone: "America/Chicago", metricEPSG: 26971)
}
