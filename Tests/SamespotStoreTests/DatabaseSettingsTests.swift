import SamespotStore
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

    @Test(arguments: ["mysql://x/y", "postgres://host:5432", "not a url"])
    func refusesWhatIsNotAPostgresURL(url: String) {
        #expect(throws: DatabaseSettingsError.self) { _ = try DatabaseSettings(url: url) }
    }
}
