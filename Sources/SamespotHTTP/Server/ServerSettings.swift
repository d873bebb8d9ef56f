import SamespotStore

/// What `samespot serve` is told: where to listen, which database, which city.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var database: DatabaseSettings
    public var city: CitySettings
    /// The ward boundary set answers use; nil means the set in force today.
    public var wardSet: String?
    public var web: WebSettings
    public var limits: LimitSettings
    /// Keep the cases in memory (`CaseMirror`) for ward summaries and hotspot maps: about 70
    /// bytes a case. Off: they are counted by PostgreSQL on every call.
    public var casesInMemory: Bool

    public init(host: String, port: Int, database: DatabaseSettings, city: CitySettings, wardSet: String?, web: WebSettings = WebSettings(),
                limits: LimitSettings = LimitSettings(), casesInMemory: Bool = true) {
        self.casesInMemory = casesInMemory
        self.host = host
        self.port = port
        self.database = database
        self.city = city
        self.wardSet = wardSet
        self.web = web
        self.limits = limits
    }
}

/// What the web page needs from the deployment: where Debian put Leaflet, and a base-map tile
/// server if the city has one (none is reachable from a closed city network, so by default the
/// maps draw the ward boundaries alone).
public struct WebSettings: Sendable {
    /// Leaflet 1.7 as Debian's libjs-leaflet installs it.
    public var leafletDirectory: String
    /// A Leaflet tile URL template (`https://tiles.example.city/{z}/{x}/{y}.png`), or nil.
    public var tileURL: String?
    public var tileAttribution: String

    public init(leafletDirectory: String = "/usr/share/javascript/leaflet", tileURL: String? = nil, tileAttribution: String = "") {
        self.leafletDirectory = leafletDirectory
        self.tileURL = tileURL
        self.tileAttribution = tileAttribution
    }
}
