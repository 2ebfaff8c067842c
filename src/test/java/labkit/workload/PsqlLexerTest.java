package labkit.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How PsqlLexer cuts psql input into statements, psql commands and COPY rows (no server needed). */
class PsqlLexerTest {

    private static PsqlLexer parser(String text) {
        return new PsqlLexer(new BufferedReader(new StringReader(text)));
    }

    /** Every item as text: statements as they are, commands as "META \x", each COPY's rows as "ROW …". */
    private static List<String> items(String text) throws IOException {
        var p = parser(text);
        var out = new ArrayList<String>();
        for (PsqlLexer.Item item; (item = p.next()) != null; ) {
            if (item instanceof PsqlLexer.Meta m) {
                out.add("META " + m.command());
            } else {
                var sql = (PsqlLexer.Sql) item;
                out.add(sql.text());
                if (sql.copyFromStdin()) {
                    for (String row; (row = p.nextCopyRow()) != null; ) {
                        out.add("ROW " + row);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void semicolonsInsideStringsIdentifiersAndCommentsDoNotEndAStatement() throws IOException {
        var got = items("""
                SELECT 'a;b', 'it''s; here' AS "odd;name"; -- a comment; with a semicolon
                /* block; /* nested; */ still comment; */ SELECT E'quote \\'; still string', 2;
                SELECT 3;SELECT 4;
                """);
        assertEquals(List.of(
                "SELECT 'a;b', 'it''s; here' AS \"odd;name\"",
                "SELECT E'quote \\'; still string', 2",
                "SELECT 3",
                "SELECT 4"), got);
    }

    @Test
    void dollarQuotedBodiesKeepTheirSemicolonsCommentsAndInnerTags() throws IOException {
        String function = """
                CREATE FUNCTION f(integer) RETURNS text
                    LANGUAGE plpgsql
                    AS $_$
                BEGIN
                    -- not a comment to strip; it is the body
                    RETURN $1 || $$ ; $$ || 'x;';
                END
                $_$""";
        var got = items(function + ";\nSELECT $1tag, a$b$c FROM t;\n");
        assertEquals(List.of(function, "SELECT $1tag, a$b$c FROM t"), got);
    }

    @Test
    void psqlCommandsBetweenStatementsAreReportedApart() throws IOException {
        var got = items("""
                \\restrict AbCdEf123
                SET client_min_messages = warning;
                \\connect - postgres
                SELECT 1;
                \\unrestrict AbCdEf123
                """);
        assertEquals(List.of("META \\restrict", "SET client_min_messages = warning", "META \\connect", "SELECT 1",
                "META \\unrestrict"), got);
    }

    @Test
    void copyFromStdinIsFollowedByItsRowsUpToTheTerminator() throws IOException {
        var got = items("""
                COPY public.actor (actor_id, first_name) FROM stdin;
                1\tPENELOPE
                2\tA;B -- not a comment
                \\.

                SELECT pg_catalog.setval('public.actor_actor_id_seq', 2, true);
                """);
        assertEquals(List.of("COPY public.actor (actor_id, first_name) FROM stdin", "ROW 1\tPENELOPE",
                "ROW 2\tA;B -- not a comment", "SELECT pg_catalog.setval('public.actor_actor_id_seq', 2, true)"), got);
    }

    @Test
    void statementsKnowTheLineTheyStartOn() throws IOException {
        var p = parser("-- header\n\nSELECT\n  1;\n\n  SELECT 2;\n");
        assertEquals(3, ((PsqlLexer.Sql) p.next()).line());
        assertEquals(6, ((PsqlLexer.Sql) p.next()).line());
        assertNull(p.next());
    }

    @Test
    void aTruncatedFileIsAnErrorNotAShortLoad() throws IOException {
        var body = parser("CREATE FUNCTION f() RETURNS int AS $$\nSELECT 1;\n");
        var e = assertThrows(PsqlLexer.Malformed.class, body::next);
        assertTrue(e.getMessage().contains("$$"), e.getMessage());

        var copy = parser("COPY t (a) FROM stdin;\n1\n2\n");
        assertTrue(((PsqlLexer.Sql) copy.next()).copyFromStdin());
        assertEquals("1", copy.nextCopyRow());
        assertEquals("2", copy.nextCopyRow());
        var e2 = assertThrows(PsqlLexer.Malformed.class, copy::nextCopyRow);
        assertTrue(e2.getMessage().contains("truncated"), e2.getMessage());

        var statement = parser("SELECT 1;\nSELECT 'open\n");
        statement.next();
        assertThrows(PsqlLexer.Malformed.class, statement::next);
    }
}
