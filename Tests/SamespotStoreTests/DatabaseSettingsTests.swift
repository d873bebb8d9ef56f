import PostgresNIO
@testable import SamespotStore
import SamespotTestSupport
import Testing

@Suite struct DatabaseSettingsTests {
    @Test func readsTCPURLWithPasswordAndTLS() throws {
        let s = try DatabaseSettings(url: "postgres://city%40it:s3cr%2Ft@db.example:6543/samespot?sslmode=require")
        #expect(s.endpoint == .tcp(host: "db.example", port: 6543))
        #expect(s.username == "city@it")
        #expect(s.password == "s3cr/t")
        #expect(s.database == "samespot")
        #expect(s.requireTLS)
        #expect(!s.redacted.contains("s3cr"))
    }

    @Test func readsUnixSocketURL() throws {
        let s = try DatabaseSettings(url: "postgres://samespot@/samespot?host=/var/run/postgresql&port=5433")
        #expect(s.endpoint == .unixSocket(path: "/var/run/postgresql/.s.PGSQL.5433"))
        #expect(!s.requireTLS)
    }

    /// A benchmark hands its server the settings as a URL: both kinds read back the same, the
    /// socket's folder and port are what pgbench is given.
    @Test(arguments: ["postgres://city%40it:s3cr%2Ft@db.example:6543/samespot?sslmode=require",
                      "postgres://samespot@/samespot_bench?host=/work/main/.pg/run&port=5433"])
    func writesItselfBackAsAURL(url: String) throws {
        let s = try DatabaseSettings(url: url)
        #expect(try DatabaseSettings(url: s.url) == s)
    }

    @Test func givesLibpqToolsTheSocketFolder() throws {
        let socket = try DatabaseSettings(url: "postgres://samespot@/samespot?host=/var/run/postgresql&port=5433")
        #expect(socket.libpqHostAndPort == ("/var/run/postgresql", 5433))
        let tcp = try DatabaseSettings(url: "postgres://samespot@127.0.0.1:6433/samespot")
        #expect(tcp.libpqHostAndPort == ("127.0.0.1", 6433))
    }

    @Test(arguments: ["mysql://x/y", "postgres://host:5432", "not a url"])
    func refusesWhatIsNotAPostgresURL(url: String) {
        #expect(throws: DatabaseSettingsError.self) { _ = try DatabaseSettings(url: url) }
    }
}

/// Behind a transaction pooler a named prepared statement would be left on one server
/// connection and missed (or found twice) on the next: the hot paths then run as plain queries.
@Suite struct TransactionPoolerTests {
    /// Asks the nearest open cases on a pool of its own, then counts the statements that
    /// connection holds prepared (a sequential pool reuses its one idle connection).
    static func preparedAfterAsking(behindPooler: Bool) async throws -> (found: Int, prepared: Int) {
        try await TestDatabase.withSampleCity { shared in
            var settings = shared.settings
            settings.behindTransactionPooler = behindPooler
            return try await Database.withRunning(settings: settings, logger: shared.logger) { db in
                // Near the first open case with a point, within 50 m.
                var spot: (Double, Double) = (0, 0)
                for try await (x, y) in try await db.client.query("""
                    SELECT x_m, y_m FROM service_requests
                    WHERE status = 'open' AND parent_request_id IS NULL AND x_m IS NOT NULL ORDER BY request_id LIMIT 1
                    """, logger: db.logger).decode((Double, Double).self) { spot = (x, y) }
                let found = try await NearbyStore(database: db).openParents(nearX: spot.0, y: spot.1, radius: 50, serviceCode: nil, count: 5)
                let prepared = try await db.client.withConnection { connection in
                    var n = -1
                    for try await count in try await connection.query("SELECT count(*)::int FROM pg_prepared_statements",
                                                                      logger: db.logger).decode(Int.self) { n = count }
                    return n
                }
                return (found.count, prepared)
            }
        }
    }

    @Test func behindAPoolerNothingIsLeftPreparedOnTheConnection() async throws {
        let direct = try await Self.preparedAfterAsking(behindPooler: false)
        let pooled = try await Self.preparedAfterAsking(behindPooler: true)
        #expect(direct.found >= 1 && pooled.found == direct.found, "the same answer either way")
        #expect(direct.prepared == 1, "directly, the statement is prepared once per connection")
        #expect(pooled.prepared == 0)
    }

    /// pgbouncer refuses startup parameters it does not know: none are sent behind it.
    @Test func behindAPoolerNoStartupParametersAreSent() throws {
        var settings = try DatabaseSettings(url: "postgres://samespot@127.0.0.1:6433/samespot")
        settings.boundsTransactions = true
        #expect(settings.clientConfiguration().options.additionalStartupParameters.count == 2)
        settings.behindTransactionPooler = true
        #expect(settings.clientConfiguration().options.additionalStartupParameters.isEmpty)
    }
}

/// What a service log says of a PostgreSQL failure: the kind and what to do, never the server's
/// message, which can quote what a resident typed.
@Suite struct DatabaseErrorLogTests {
    @Test func aRefusalIsNamedWithoutTheValueItQuotes() async throws {
        try await TestDatabase.withFresh(migrated: false) { db in
            let error = await #expect(throws: PSQLError.self) {
                try await db.client.query("SELECT \("555-0142 Jane Roe")::int", logger: db.logger)
            }
            let summary = DatabaseErrorText.logSummary(try #require(error))
            #expect(summary == "PostgreSQL refused [SQLSTATE 22P02]")
            #expect(!summary.contains("Jane"))
            // The full text, for a person at a terminal, does quote it: that is why logs do not use it.
            #expect(DatabaseErrorText.describe(try #require(error), url: nil)?.contains("Jane Roe") == true)
        }
    }

    @Test func aMissingDatabaseSaysWhatToDo() async throws {
        var settings = try DatabaseSettings(url: TestEnvironment.adminURL)
        settings.database = "samespot_no_such_database_\(UInt32.random(in: 0...UInt32.max))"
        let error = await #expect(throws: (any Error).self) {
            _ = try await Database.withRunning(settings: settings, logger: TestEnvironment.logger) { db in
                try await db.client.query("SELECT 1", logger: db.logger)
            }
        }
        let summary = DatabaseErrorText.logSummary(try #require(error))
        #expect(summary.hasPrefix("PostgreSQL refused [SQLSTATE 3D000]: Create the database"), "\(summary)")
    }
}
