import PostgresNIO

/// What went wrong with PostgreSQL, in words an operator can act on, for the command line.
/// PostgresNIO's own description is deliberately generic ("PSQLError – Generic description…")
/// so nothing sensitive leaks into logs; a CLI user at their own terminal needs the server's
/// message and what to do. Not for HTTP answers or service logs: the server's message may
/// quote a value.
public enum DatabaseErrorText {
    /// nil when `error` is not PostgreSQL's.
    public static func describe(_ error: any Error, url: String?) -> String? {
        guard let psql = postgresError(in: error) else { return nil }
        let server = url.map { " at \($0)" } ?? ""
        if let info = psql.serverInfo, let message = info[.message] {
            let code = info[.sqlState] ?? ""
            var text = "PostgreSQL\(server) refused: \(message)"
            if let detail = info[.detail] { text += " (\(detail))" }
            if let hint = hints[code] ?? info[.hint] { text += ". \(hint)" }
            return text + " [SQLSTATE \(code)]"
        }
        switch psql.code {
        case .connectionError, .uncleanShutdown:
            return "cannot connect to PostgreSQL\(server): is it running and listening there (scripts/pg start)?"
        case .serverClosedConnection, .clientClosedConnection, .poolClosed:
            return "PostgreSQL\(server) closed the connection (restarted, or stopped): nothing was done; run the command again"
        case .sslUnsupported, .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return "PostgreSQL\(server) and Samespot could not agree on TLS: check sslmode in the database URL"
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return "PostgreSQL\(server) asks for a password or a sign-in Samespot was not given: put it in the database URL"
        case .queryCancelled:
            return "PostgreSQL\(server) cancelled the query (a timeout or an administrator): nothing was done"
        default:
            return "PostgreSQL\(server) failed: \(String(reflecting: psql.code))"
        }
    }

    /// `error` for a service log: what kind of failure, in words, and never the server's message
    /// or detail, which may quote a resident's value (`invalid input syntax … "<what was typed>"`).
    /// PostgresNIO's own description says nothing at all ("Generic description…"), which left an
    /// operator of a service whose database was gone without a clue.
    public static func logSummary(_ error: any Error) -> String {
        guard let psql = postgresError(in: error) else { return "\(error)" }
        if let code = psql.serverInfo?[.sqlState] {
            let hint = hints[code].map { ": \($0)" } ?? ""
            return "PostgreSQL refused [SQLSTATE \(code)]\(hint)"
        }
        return describe(psql, url: nil) ?? "\(psql.code)"
    }

    /// PostgreSQL's error in `error`: itself, or the one a transaction failed on; nil if none.
    public static func postgresError(in error: any Error) -> PSQLError? {
        if let tx = error as? PostgresTransactionError {
            return (tx.closureError ?? tx.commitError ?? tx.beginError) as? PSQLError
        }
        return error as? PSQLError
    }

    /// What to do, by SQLSTATE, where PostgreSQL's message alone does not say.
    static let hints: [String: String] = [
        "3D000": "Create the database (createdb), or point --database-url / SAMESPOT_DATABASE_URL at one that exists",
        "28P01": "Check the user and password in the database URL",
        "28000": "Check the user in the database URL, and that PostgreSQL's pg_hba.conf lets it in from here",
        "42P01": "The database has no Samespot schema, or an older one: run samespot migrate",
        "42703": "The database's schema is older than this samespot: run samespot migrate",
        "53300": "PostgreSQL has no connection left: close other clients or raise max_connections",
        "57P03": "PostgreSQL is starting up: try again in a few seconds",
        "25006": "The server is a read-only replica: point the command at the primary",
    ]
}
