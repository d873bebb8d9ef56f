import Foundation
import NIOSSL
import PostgresNIO

/// Where the database is, read from a libpq-style URL:
/// `postgres://user:password@host:5432/samespot`, or a unix socket with
/// `postgres://user@/samespot?host=/path/to/socket/dir&port=5433`.
public struct DatabaseSettings: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unixSocket(path: String)
    }

    public var endpoint: Endpoint
    public var username: String
    public var password: String?
    public var database: String
    public var requireTLS: Bool
    /// For the server's pool: no transaction holds its locks for ever when its client stalls
    /// (see `clientConfiguration`). Off for commands, whose imports may compute for minutes
    /// inside one transaction.
    public var boundsTransactions = false
    /// The URL is a pooler in transaction mode (pgbouncer's `pool_mode = transaction`), which
    /// hands each transaction whichever server connection is free. Nothing may then rest on a
    /// connection's session: no named prepared statements (see `PreparedQuery`), no startup
    /// parameters (pgbouncer refuses those it does not know; its own `idle_transaction_timeout`
    /// and the role's `lock_timeout` bound transactions instead), no LISTEN (the server's
    /// listener takes a direct URL).
    public var behindTransactionPooler = false

    public init(endpoint: Endpoint, username: String, password: String? = nil, database: String, requireTLS: Bool = false) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.requireTLS = requireTLS
    }

    public init(url text: String) throws(DatabaseSettingsError) {
        guard let components = URLComponents(string: text),
              components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw DatabaseSettingsError("the database URL must look like postgres://user:password@host:5432/dbname (got a URL that does not)")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let port = components.port ?? query["port"].flatMap(Int.init) ?? 5432
        let host = (components.host ?? "").isEmpty ? (query["host"] ?? "") : components.host!
        if host.hasPrefix("/") {
            endpoint = .unixSocket(path: "\(host)/.s.PGSQL.\(port)")
        } else {
            endpoint = .tcp(host: host.isEmpty ? "localhost" : host, port: port)
        }
        username = components.user.flatMap { $0.removingPercentEncoding } ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty else {
            throw DatabaseSettingsError("the database URL names no database: add it after the host, as in postgres://host:5432/samespot")
        }
        database = path
        let sslMode = query["sslmode"] ?? "prefer"
        requireTLS = ["require", "verify-ca", "verify-full"].contains(sslMode)
    }

    /// The URL without its password, for logs and /healthz.
    public var redacted: String {
        switch endpoint {
        case .tcp(let host, let port): return "postgres://\(username)@\(host):\(port)/\(database)"
        case .unixSocket(let path): return "postgres://\(username)@/\(database)?socket=\(path)"
        }
    }

    /// The host and port as libpq's tools (pgbench, psql) take them: for a unix socket, the
    /// socket's folder and the port its name carries.
    public var libpqHostAndPort: (host: String, port: Int) {
        switch endpoint {
        case .tcp(let host, let port): return (host, port)
        case .unixSocket(let path):
            let url = URL(fileURLWithPath: path)
            return (url.deletingLastPathComponent().path, url.lastPathComponent.split(separator: ".").last.flatMap { Int($0) } ?? 5432)
        }
    }

    /// The settings as a URL again, password included, for a process this one starts (a
    /// benchmark's server): `init(url:)` reads it back to the same settings. Never for logs.
    public var url: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.password = password
        components.path = "/" + database
        var query: [URLQueryItem] = []
        switch endpoint {
        case .tcp(let host, let port): (components.host, components.port) = (host, port)
        case .unixSocket:
            let (folder, port) = libpqHostAndPort
            query += [URLQueryItem(name: "host", value: folder), URLQueryItem(name: "port", value: String(port))]
        }
        if requireTLS { query.append(URLQueryItem(name: "sslmode", value: "require")) }
        components.queryItems = query.isEmpty ? nil : query
        return components.string ?? redacted
    }

    /// For one connection of its own (`Database.check`), outside the pool.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        switch endpoint {
        case .tcp(let host, let port):
            return .init(host: host, port: port, username: username, password: password, database: database,
                         tls: requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable)
        case .unixSocket(let path):
            return .init(unixSocketPath: path, username: username, password: password, database: database)
        }
    }

    func clientConfiguration() -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch endpoint {
        case .tcp(let host, let port):
            configuration = .init(
                host: host, port: port, username: username, password: password, database: database,
                tls: requireTLS ? .require(.makeClientConfiguration()) : .disable
            )
        case .unixSocket(let path):
            configuration = .init(unixSocketPath: path, username: username, password: password, database: database)
        }
        configuration.options.maximumConnections = 16
        // No request's transaction may hold its locks (a spot's advisory locks, an
        // Idempotency-Key's index entry) for ever when its client stalls: PostgreSQL ends it, and
        // the waiters give up after a bound instead of queueing behind it. Intake holds its
        // locks for milliseconds.
        if boundsTransactions && !behindTransactionPooler {
            configuration.options.additionalStartupParameters = [
                ("idle_in_transaction_session_timeout", "15s"),
                ("lock_timeout", "10s"),
            ]
        }
        return configuration
    }
}

public struct DatabaseSettingsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
