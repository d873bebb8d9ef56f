import Foundation
import Testing

/// Every value reaches PostgreSQL as a bind: PostgresNIO's string interpolation binds what it
/// interpolates, and `PostgresQuery(unsafeSQL:)` is the one way to put text into a statement.
/// Each use of it is listed here with what it puts in, all of it fixed by the code; a new use
/// fails this test until someone has read it and added it with its reason.
@Suite struct ParameterisedSQLTests {
    static let reviewed: [String: String] = [
        "SamespotStore/Reports/LifecycleReportStore.swift": "the grouping's key, label and join, chosen by a switch over an enum; values are binds",
        "SamespotStore/Catalog/CatalogStore.swift": "a WHERE clause that is one of two literals in the same file; the code is a bind",
        "SamespotStore/Import/ReferenceDataImporter.swift": "DELETE FROM a table named by the importer's own constants",
        "SamespotStore/Migrations/Migrator.swift": "the statements of the migration files in sql/",
        "SamespotStore/Import/BulkLoadSetAside.swift": "index and foreign-key names and definitions read from the catalog, as PostgreSQL writes them (regclass text, quote_ident, pg_get_indexdef, pg_get_constraintdef)",
        "SamespotStore/Retention/RetentionStore.swift": "table and column names of the foreign keys pointing at service_requests, read from pg_constraint and quoted by PostgreSQL (regclass, quote_ident)",
        "samespot/Bench/BenchHTTP.swift": "the benchmark's baseline SQL file (sql/baseline), never request data",
        "samespot/Bench/BenchListings.swift": "the listings benchmark's own filters (dates it writes; a type, a ward and a request number it read from the database, quoted by literal(_:)), as literals so PostgreSQL plans each as a GIS team's query would be; never request data",
    ]

    @Test func unsafeSQLIsUsedOnlyWhereReviewed() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        var found: Set<String> = []
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            if text.contains("unsafeSQL:") {
                found.insert(String(url.path.dropFirst(sources.path.count + 1)))
            }
        }
        #expect(found.count >= 1, "no Sources found at \(sources.path)")
        #expect(found.subtracting(Self.reviewed.keys).sorted() == [], "new uses of unsafeSQL: review them and list them here")
        #expect(Set(Self.reviewed.keys).subtracting(found).sorted() == [], "listed files no longer use unsafeSQL: take them off the list")
    }
}
