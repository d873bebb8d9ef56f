import SamespotStore

/// What `samespot serve` is told: where to listen, which database, which city.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var database: DatabaseSettings
    public var city: CitySettings
    /// The ward boundary set answers use; nil means the set in force today.
    public var wardSet: String?

    public init(host: String, port: Int, database: DatabaseSettings, city: CitySettings, wardSet: String?) {
        self.host = host
        self.port = port
        self.database = database
        self.city = city
        self.wardSet = wardSet
    }
}
