import Hummingbird
import Logging
import PostgresNIO

/// The last line of defence: an error no route turned into an answer (the database went away,
/// a bug) is logged with what helps city IT — the route, the error's type, PostgreSQL's SQLSTATE,
/// table, column and constraint names — and never with values, which may be a resident's
/// data. The caller gets the API's error format with a 500 (503 when the database is down) and
/// is told nothing was stored: intake is one transaction, so an error means no case.
struct UnexpectedErrorMiddleware: RouterMiddleware {
    typealias Context = SamespotRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch let caught {
            // A transaction's error wraps the one that matters.
            var error: any Error = caught
            if let tx = caught as? PostgresTransactionError {
                error = tx.closureError ?? tx.commitError ?? tx.beginError ?? caught
            }
            var metadata: Logger.Metadata = [
                "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "unmatched")",
                "error_type": "\(type(of: error))",
            ]
            var unavailable = false
            if let psql = error as? PSQLError {
                metadata["psql_code"] = "\(psql.code)"
                for (name, field) in [("sqlstate", PSQLError.ServerInfo.Field.sqlState), ("table", .tableName), ("column", .columnName),
                                      ("constraint", .constraintName), ("routine", .routine)] {
                    if let value = psql.serverInfo?[field] { metadata[.init(stringLiteral: name)] = "\(value)" }
                }
                unavailable = [.connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed].contains(psql.code)
            }
            if let decoding = error as? PostgresDecodingError {
                metadata["column"] = "\(decoding.columnName)"
                metadata["target_type"] = "\(decoding.targetType)"
                metadata["postgres_type"] = "\(decoding.postgresType)"
            }
            context.logger.error("request failed", metadata: metadata)
            throw unavailable
                ? APIError(.serviceUnavailable, "the database cannot be reached; nothing was stored — try again shortly")
                : APIError(.internalServerError, "an internal error stopped this request; nothing was stored (request id \(context.id))")
        }
    }
}
