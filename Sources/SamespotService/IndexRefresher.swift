import Logging
import SamespotStore
import ServiceLifecycle

/// Keeps a server's in-memory state in step with PostgreSQL: importers and staff edits send
/// `NOTIFY samespot_reference_changed` when they commit, and every running instance, listening,
/// rebuilds what changed and swaps it in: the catalog alone for the payload `catalog` (a rule
/// or a service type was edited), everything otherwise. Reconnects with a pause when the
/// database goes away.
public struct IndexRefresher: Service {
    public static let channel = "samespot_reference_changed"
    public let indexes: CityIndexes
    public let database: Database

    public init(indexes: CityIndexes, database: Database) {
        self.indexes = indexes
        self.database = database
    }

    /// Runs beside the HTTP server until the service group shuts down.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await listen() }
    }

    func listen() async {
        let logger = database.logger
        while !Task.isCancelled {
            do {
                try await database.client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        for try await notification in notifications {
                            if notification.payload == CatalogStore.changePayload {
                                try await indexes.reloadCatalog(from: database)
                                logger.info("service catalog reloaded after an edit")
                            } else {
                                try await indexes.reload(from: database)
                                logger.info("indexes reloaded after an import")
                            }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("index refresh listener stopped; retrying", metadata: ["error": "\(DatabaseErrorText.logSummary(error))"])
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }
}
