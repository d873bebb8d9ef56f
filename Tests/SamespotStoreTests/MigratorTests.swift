import PostgresNIO
import SamespotStore
import SamespotTestSupport
import Testing

@Suite struct MigratorTests {
    /// Every table, column, index and constraint of the public schema, as one comparable text.
    static func schemaSnapshot(_ db: Database) async throws -> [String] {
        let rows = try await db.client.query("""
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
              FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
              WHERE connamespace = 'public'::regnamespace
            UNION ALL SELECT 'migration ' || version || ' ' || name || ' ' || checksum FROM schema_migrations
            ORDER BY 1
            """, logger: db.logger)
        var lines: [String] = []
        for try await line in rows.decode(String.self) { lines.append(line) }
        return lines
    }

    @Test func migrationsAppliedTwiceChangeNothing() async throws {
        try await TestDatabase.withFresh(migrated: false) { db in
            let files = try Migration.load(directory: TestEnvironment.sqlDirectory)
            let first = try await Migrator(database: db).migrate(files)
            #expect(first.map(\.version) == files.map(\.version))
            let before = try await Self.schemaSnapshot(db)
            #expect(before.contains { $0.hasPrefix("column service_requests.parent_request_id bigint") })
            let second = try await Migrator(database: db).migrate(files)
            #expect(second.isEmpty)
            let after = try await Self.schemaSnapshot(db)
            #expect(before == after)
            #expect(try await Migrator(database: db).currentVersion() == files.last?.version)
        }
    }

    /// A cascaded delete (a purge, a ward set replaced) finds the rows pointing at a row through
    /// an index led by the pointing columns; without one, each deleted row scans the table.
    @Test func everyForeignKeyHasAnIndexThatServesIt() async throws {
        try await TestDatabase.withFresh { db in
            let rows = try await db.client.query("""
                SELECT c.conrelid::regclass::text || ' (' || (SELECT string_agg(a.attname, ', ') FROM pg_attribute a
                         WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)) || ') → ' || c.confrelid::regclass::text
                FROM pg_constraint c
                WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_index i
                      WHERE i.indrelid = c.conrelid
                        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)
                ORDER BY 1
                """, logger: db.logger)
            var unserved: [String] = []
            for try await key in rows.decode(String.self) { unserved.append(key) }
            #expect(unserved == [], "foreign keys without an index led by their columns")
        }
    }

    /// Intake updates a merged report's parent (its count, priority and update time) on every
    /// merge. PostgreSQL writes that update in place, without a new entry in each of the
    /// table's indexes, only if no index reads those columns and the page has room.
    @Test func aMergeCanUpdateItsParentInPlace() async throws {
        // What intake's merge sets in the parent (`WriteCases<MergedCase>`' `parent` step).
        let changed = ["child_count", "priority", "updated_at"]
        try await TestDatabase.withFresh { db in
            let rows = try await db.client.query("""
                WITH word AS (SELECT '\\m(' || array_to_string(\(changed)::text[], '|') || ')\\M' AS pattern)
                SELECT i.indexrelid::regclass::text FROM pg_index i, word
                WHERE i.indrelid = 'service_requests'::regclass
                  AND (EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
                                                             AND a.attname = ANY (\(changed)::text[]))
                       OR coalesce(pg_get_expr(i.indexprs, i.indrelid), '') ~ word.pattern
                       OR coalesce(pg_get_expr(i.indpred, i.indrelid), '') ~ word.pattern)
                ORDER BY 1
                """, logger: db.logger)
            var reading: [String] = []
            for try await name in rows.decode(String.self) { reading.append(name) }
            #expect(reading == [], "indexes reading a column a merge changes in its parent")
            var fillfactor: Int?
            for try await value in try await db.client.query("""
                SELECT (SELECT split_part(o, '=', 2)::int4 FROM unnest(reloptions) AS o WHERE o LIKE 'fillfactor=%')
                FROM pg_class WHERE oid = 'service_requests'::regclass
                """, logger: db.logger).decode(Int?.self) { fillfactor = value }
            #expect((fillfactor ?? 100) < 100, "pages keep room for an update beside the row")
        }
    }

    @Test func anEditedAppliedMigrationIsRefused() async throws {
        try await TestDatabase.withFresh { db in
            var files = try Migration.load(directory: TestEnvironment.sqlDirectory)
            files[0].sql += "\n-- edited"
            await #expect {
                try await Migrator(database: db).migrate(files)
            } throws: { error in
                String(describing: error).contains("was changed after it was applied")
            }
        }
    }

    @Test func aFailingMigrationRollsBackWholly() async throws {
        try await TestDatabase.withFresh { db in
            var files = try Migration.load(directory: TestEnvironment.sqlDirectory)
            files.append(Migration(version: 9_999, name: "broken", sql: """
                CREATE TABLE half_made (id int);
                INSERT INTO no_such_table VALUES (1);
                """))
            await #expect(throws: StoreError.self) { try await Migrator(database: db).migrate(files) }
            let rows = try await db.client.query(
                "SELECT to_regclass('half_made') IS NULL, (SELECT count(*) FROM schema_migrations WHERE version = 9999)::int",
                logger: db.logger)
            for try await (absent, recorded) in rows.decode((Bool, Int).self) {
                #expect(absent)
                #expect(recorded == 0)
            }
        }
    }

    @Test func migrationFilesAreNumberedAndOrdered() throws {
        let files = try Migration.load(directory: TestEnvironment.sqlDirectory)
        #expect(!files.isEmpty)
        #expect(files.map(\.version) == files.map(\.version).sorted())
        #expect(files[0].name == "foundation")
    }
}
