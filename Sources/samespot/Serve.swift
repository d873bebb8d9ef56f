import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SamespotHTTP
import SamespotService
import SamespotStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP service.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var city: CityOptions
    @OptionGroup var migrations: MigrationOptions

    @Option(help: "Address to listen on (env SAMESPOT_HOST).")
    var host: String = ProcessInfo.processInfo.environment["SAMESPOT_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on (env SAMESPOT_PORT).")
    var port: Int = Int(ProcessInfo.processInfo.environment["SAMESPOT_PORT"] ?? "") ?? 8080

    @Option(help: "Ward boundary set answers use (env SAMESPOT_WARD_SET; default: the set in force today).")
    var wardSet: String? = ProcessInfo.processInfo.environment["SAMESPOT_WARD_SET"]

    @Option(help: "Folder of Debian's libjs-leaflet, for the web page's maps (env SAMESPOT_LEAFLET_DIR).")
    var leafletDir: String = ProcessInfo.processInfo.environment["SAMESPOT_LEAFLET_DIR"] ?? "/usr/share/javascript/leaflet"

    @Option(help: "Base-map tile URL template for the web page, e.g. https://tiles.example.city/{z}/{x}/{y}.png (env SAMESPOT_TILE_URL; default: none, the maps draw the wards alone).")
    var tileURL: String? = ProcessInfo.processInfo.environment["SAMESPOT_TILE_URL"]

    @Option(help: "Attribution shown with the tiles (env SAMESPOT_TILE_ATTRIBUTION).")
    var tileAttribution: String = ProcessInfo.processInfo.environment["SAMESPOT_TILE_ATTRIBUTION"] ?? ""

    @Option(help: "Writes (POST, PUT) in progress at once; more get 503 with Retry-After at once (env SAMESPOT_MAX_WRITES_IN_FLIGHT; 0: no limit).")
    var maxWritesInFlight: Int = Int(ProcessInfo.processInfo.environment["SAMESPOT_MAX_WRITES_IN_FLIGHT"] ?? "") ?? LimitSettings().maxWritesInFlight

    @Option(help: "Reads (GET) in progress at once (env SAMESPOT_MAX_READS_IN_FLIGHT; 0: no limit).")
    var maxReadsInFlight: Int = Int(ProcessInfo.processInfo.environment["SAMESPOT_MAX_READS_IN_FLIGHT"] ?? "") ?? LimitSettings().maxReadsInFlight

    @Option(help: "Requests a second a public key may make, bursts of twice that; over it, 429 with Retry-After (env SAMESPOT_PUBLIC_KEY_RATE; 0: no limit).")
    var publicKeyRate: Double = Double(ProcessInfo.processInfo.environment["SAMESPOT_PUBLIC_KEY_RATE"] ?? "") ?? LimitSettings().publicKeyRatePerSecond

    @Option(help: "Requests a second a staff key may make (env SAMESPOT_STAFF_KEY_RATE; default 0: no limit).")
    var staffKeyRate: Double = Double(ProcessInfo.processInfo.environment["SAMESPOT_STAFF_KEY_RATE"] ?? "") ?? LimitSettings().staffKeyRatePerSecond

    @Option(help: "Seconds a connection may send nothing whole before it is closed: idle keep-alives, slow-loris clients (env SAMESPOT_IDLE_TIMEOUT; 0: never).")
    var idleTimeout: Double = Double(ProcessInfo.processInfo.environment["SAMESPOT_IDLE_TIMEOUT"] ?? "") ?? LimitSettings().idleTimeoutSeconds

    @Flag(help: "Apply pending migrations before serving.")
    var migrate = false

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: database.logLevel) ?? .info
            return handler
        }
        SamespotServer.bootstrapMetrics()
        let logger = database.makeLogger("samespot")
        _ = try city.projections()  // a bad EPSG code fails here, not on the first request
        let settings = ServerSettings(host: host, port: port, database: try database.settings(), city: city.city, wardSet: wardSet,
                                      web: WebSettings(leafletDirectory: leafletDir, tileURL: tileURL, tileAttribution: tileAttribution),
                                      limits: LimitSettings(maxWritesInFlight: maxWritesInFlight, maxReadsInFlight: maxReadsInFlight,
                                                            publicKeyRatePerSecond: publicKeyRate, staffKeyRatePerSecond: staffKeyRate,
                                                            idleTimeoutSeconds: idleTimeout))
        let db = Database(settings: settings.database, logger: logger)
        if migrate {
            let files = try Migration.load(directory: try migrations.directory())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await db.client.run() }
                try await Migrator(database: db).migrate(files)
                group.cancelAll()
            }
        }
        // The in-memory indexes load from PostgreSQL before the first request is taken.
        let wardSetName = wardSet
        let indexes = try await Database.withRunning(settings: settings.database, logger: logger) { loader in
            try await loader.ping()
            return try await CityIndexes.load(from: loader, wardSetName: wardSetName)
        }
        logger.info("samespot serving", metadata: ["address": "\(host):\(port)", "database": "\(settings.database.redacted)"])
        var serving = settings.database
        serving.boundsTransactions = true
        let app = try SamespotServer.buildApplication(settings: settings, database: Database(settings: serving, logger: logger), indexes: indexes, logger: logger)
        try await app.runService()
    }
}
