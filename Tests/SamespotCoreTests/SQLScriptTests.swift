import SamespotCore
import Testing

@Suite struct SQLScriptTests {
    @Test func splitsOnSemicolonsOutsideQuotesCommentsAndDollarBodies() {
        let script = """
            -- a comment; not a statement
            CREATE TABLE t (a text DEFAULT 'x;y', "b;c" int);
            /* block; /* nested; */ still comment */
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            INSERT INTO t VALUES ('it''s; fine', $1);
            ;
            SELECT $$a;b$$
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("CREATE TABLE t (a text DEFAULT 'x;y', \"b;c\" int)"))
        #expect(statements[1].hasSuffix("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql"))
        #expect(statements[2] == "INSERT INTO t VALUES ('it''s; fine', $1)")
        #expect(statements[3] == "SELECT $$a;b$$")
    }

    @Test func commentOnlyScriptHasNoStatements() {
        #expect(SQLScript.statements("-- nothing\n/* here */\n").isEmpty)
    }
}
