import Hummingbird
import Logging
import PostgresNIO
import SamespotCore

/// The one typed mapping from errors to HTTP. Every layer's refusals say what kind they are
/// (`Refusal.kind`), so none is mapped by hand in a route; anything else is unexpected.
enum ErrorMapping {
    static func status(of kind: RefusalKind) -> HTTPResponse.Status {
        switch kind {
        case .invalid: return .badRequest
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .unprocessable: return .unprocessableContent
        case .tooLarge: return .contentTooLarge
        case .unavailable: return .serviceUnavailable
        }
    }

    /// The answer for any error a route threw: its own status for an API error or a refusal;
    /// for anything else (the database went away, a bug) a 500 (503 when the database is down),
    /// logged with what helps city IT — the route, the error's type, PostgreSQL's SQLSTATE,
    /// table, column and constraint — and never with values, which may be a resident's data.
    /// The caller is told nothing was stored: every write is one transaction.
    static func apiError(for caught: any Error, request: Request, context: SamespotRequestContext) -> APIError {
        if let api = caught as? APIError { return api }
        // A transaction's error wraps the one that matters.
        var error: any Error = caught
        if let tx = caught as? PostgresTransactionError {
            error = tx.closureError ?? tx.commitError ?? tx.beginError ?? caught
        }
        if let api = error as? APIError { return api }
        if let refusal = error as? any Refusal { return APIError(status(of: refusal.kind), refusal.description) }
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
                // A lock held too long (lock_timeout), a session ended by the server
                // (idle_in_transaction_session_timeout, a restart), a deadlock or a serialization
                // failure PostgreSQL broke: nothing was stored; try again, like a lost connection.
                || ["55P03", "57P01", "57P02", "57P03", "25P03", "40P01", "40001"].contains(psql.serverInfo?[.sqlState] ?? "")
        }
        if let decoding = error as? PostgresDecodingError {
            metadata["column"] = "\(decoding.columnName)"
            metadata["target_type"] = "\(decoding.targetType)"
            metadata["postgres_type"] = "\(decoding.postgresType)"
        }
        context.logger.error("request failed", metadata: metadata)
        return unavailable
            ? APIError(.serviceUnavailable, "the database cannot be reached; nothing was stored — try again shortly")
            : APIError(.internalServerError, "an internal error stopped this request; nothing was stored (request id \(context.id))")
    }
}

/// Answers every error of Samespot's own endpoints in the API's error format, through
/// `ErrorMapping`. Errors that are already answers (Open311's own format, Hummingbird's) pass.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = SamespotRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            throw ErrorMapping.apiError(for: error, request: request, context: context)
        }
    }
}
