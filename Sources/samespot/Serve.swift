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
    var wardSet: String = ProcessInfo.processInfo.environment["SAMESPOT_WARD_SET"] ?? ""

    @Option(help: "Folder of Debian's libjs-leaflet, for the web page's maps (env SAMESPOT_LEAFLET_DIR).")
    var leafletDir: String = ProcessInfo.processInfo.environment["SAMESPOT_LEAFLET_DIR"] ?? "/usr/share/javascript/leaflet"

    @Option(help: "Base-map tile URL template for the web page, e.g. https://tiles.example.city/{z}/{x}/{y}.png (env SAMESPOT_TILE_URL; default: none, the maps draw the wards alone).")
    var tileURL: String = ProcessInfo.processInfo.environment["SAMESPOT_TILE_URL"] ?? ""

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

    @Option(help: "Seconds after which a request still being answered is named in the log, once, with its method, path and request id (env SAMESPOT_SLOW_REQUEST; 0: never).")
    var slowRequest: Double = Double(ProcessInfo.processInfo.environment["SAMESPOT_SLOW_REQUEST"] ?? "") ?? LimitSettings().slowRequestSeconds

    @Option(help: "A streaming replica for the reads that may lag by a moment: Open311 listings, matches, clusters, reports (env SAMESPOT_READ_DATABASE_URL; default: none, every read on the primary).")
    var readDatabaseURL: String = ProcessInfo.processInfo.environment["SAMESPOT_READ_DATABASE_URL"] ?? ""

    @Option(help: "What --database-url and --read-database-url lead to: 'none' (PostgreSQL, or a pooler in session mode) or 'transaction' (a pooler such as pgbouncer in pool_mode = transaction) (env SAMESPOT_DATABASE_POOLER).")
    var databasePooler: String = ProcessInfo.processInfo.environment["SAMESPOT_DATABASE_POOLER"] ?? "none"

    @Option(help: "The primary itself, past the pooler: for LISTEN, migrations and loading the indexes; needed with --database-pooler transaction (env SAMESPOT_DIRECT_DATABASE_URL; default: --database-url).")
    var directDatabaseURL: String = ProcessInfo.processInfo.environment["SAMESPOT_DIRECT_DATABASE_URL"] ?? ""

    @Option(help: "Keep the cases in memory for ward summaries and hotspot maps, about 70 bytes a case: 'on' or 'off' (env SAMESPOT_CASES_IN_MEMORY; default on; off: PostgreSQL counts them on every call).")
    var casesInMemory: String = ProcessInfo.processInfo.environment["SAMESPOT_CASES_IN_MEMORY"] ?? "on"

    @Option(help: "Web sites whose pages may call the API from a browser (CORS): * (any; keys are never cookies), none, or origins separated by commas, e.g. https://311.example.city (env SAMESPOT_CORS_ORIGINS; default *).")
    var corsOrigins: String = ProcessInfo.processInfo.environment["SAMESPOT_CORS_ORIGINS"] ?? "*"

    @Flag(help: "Apply pending migrations before serving.")
    var migrate = false

    func validate() throws {
        guard ["on", "off"].contains(casesInMemory) else {
            throw ValidationError("--cases-in-memory \(casesInMemory) is not known: write on or off")
        }
        guard ["none", "transaction"].contains(databasePooler) else {
            throw ValidationError("--database-pooler \(databasePooler) is not known: write none or transaction")
        }
        do { _ = try CrossOriginPolicy(parsing: corsOrigins) } catch { throw ValidationError("--cors-origins: \(error.description)") }
        for (option, seconds) in [("idle-timeout", idleTimeout), ("slow-request", slowRequest)] where !(seconds.isFinite && seconds >= 0) {
            throw ValidationError("--\(option) \(seconds) is not a number of seconds: write 0 or more (0: never)")
        }
        if databasePooler == "transaction" && directDatabaseURL.isEmpty {
            throw ValidationError("behind a transaction pooler the service still needs one session of its own (LISTEN, migrations): "
                                  + "give the primary's own URL as --direct-database-url or SAMESPOT_DIRECT_DATABASE_URL")
        }
    }

    /// A URL option as settings, with the option's name in the error.
    private func settings(_ url: String, option: String) throws -> DatabaseSettings {
        do { return try DatabaseSettings(url: url) } catch { throw ValidationError("--\(option): \(error.description)") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: database.logLevel) ?? .info
            return handler
        }
        SamespotServer.bootstrapMetrics()
        let logger = database.makeLogger("samespot")
        _ = try city.projections()  // a bad EPSG code fails here, not on the first request
        let wardSetName = wardSet.isEmpty ? nil : wardSet
        let settings = ServerSettings(host: host, port: port, database: try database.settings(), city: city.city, wardSet: wardSetName,
                                      web: WebSettings(leafletDirectory: leafletDir, tileURL: tileURL.isEmpty ? nil : tileURL, tileAttribution: tileAttribution),
                                      limits: LimitSettings(maxWritesInFlight: maxWritesInFlight, maxReadsInFlight: maxReadsInFlight,
                                                            publicKeyRatePerSecond: publicKeyRate, staffKeyRatePerSecond: staffKeyRate,
                                                            idleTimeoutSeconds: idleTimeout, slowRequestSeconds: slowRequest),
                                      casesInMemory: casesInMemory == "on", crossOrigin: try CrossOriginPolicy(parsing: corsOrigins))
        let pooled = databasePooler == "transaction"
        // Migrations (a session advisory lock), the indexes and LISTEN need a session of their own.
        let direct = directDatabaseURL.isEmpty ? settings.database : try self.settings(directDatabaseURL, option: "direct-database-url")
        if migrate {
            let files = try Migration.load(directory: try migrations.directory())
            _ = try await Database.withRunning(settings: direct, logger: logger) { db in try await Migrator(database: db).migrate(files) }
        }
        // This build's statements need the schema its migrations make (intake calls a function
        // of migration 14): an older schema is refused here, in words, rather than met as an
        // error on every intake. A newer one is fine: migrations only add what old builds ignore.
        let needed = try (try? migrations.directory()).flatMap { try Migration.load(directory: $0).last?.version }
        // The in-memory indexes load from PostgreSQL before the first request is taken.
        let indexes = try await Database.withRunning(settings: direct, logger: logger) { loader in
            try await loader.ping()
            if let needed, case let current = try await Migrator(database: loader).currentVersion(), current < needed {
                throw ValidationError("""
                    the database's schema is at version \(current) and this build needs \(needed): \
                    run samespot migrate first, or serve with --migrate
                    """)
            }
            return try await CityIndexes.load(from: loader, wardSetName: wardSetName)
        }
        // The server's pools, to the primary and to a replica alike: transactions bounded, and
        // nothing left on a session when a transaction pooler stands in front.
        func forServing(_ database: DatabaseSettings) -> DatabaseSettings {
            var serving = database
            serving.boundsTransactions = true
            serving.behindTransactionPooler = pooled
            return serving
        }
        let serving = forServing(settings.database)
        var replica: DatabaseSettings?
        if !readDatabaseURL.isEmpty {
            let reads = forServing(try self.settings(readDatabaseURL, option: "read-database-url"))
            // A wrong replica URL fails at start, naming the replica and PostgreSQL's reason.
            do { try await Database.check(reads, logger: logger) } catch {
                throw ValidationError("--read-database-url: " + (DatabaseErrorText.describe(error, url: reads.redacted) ?? "\(error)"))
            }
            replica = reads
        }
        logger.info("samespot serving", metadata: [
            "address": "\(host):\(port)", "database": "\(serving.redacted)", "reads": "\(replica?.redacted ?? "the primary")",
            "pooler": "\(databasePooler)"])
        let app = try SamespotServer.buildApplication(
            settings: settings, database: Database(settings: serving, logger: logger),
            reads: replica.map { Database(settings: $0, logger: logger) },
            listener: directDatabaseURL.isEmpty ? nil : Database(settings: direct, logger: logger),
            indexes: indexes, logger: logger)
        try await app.runService()
    }
}
