//DEPS org.postgresql:postgresql:42.7.8
package labkit.workload;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import labkit.cluster.LabException;
import labkit.cluster.Sql;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Runs a plain SQL file the way {@code psql -f} does, but through JDBC, so that no psql is
 * needed: pg_dump's plain output (the official Pagila) and our own pagila/*.sql. Statements go
 * one by one in autocommit, like psql; a {@code COPY ... FROM stdin;} block is streamed through
 * the driver's CopyManager; psql's own backslash commands ({@code \connect}, and the restrict
 * and unrestrict commands that newer dumps begin and end with) mean nothing to the server and
 * are skipped, and listed. Like psql, it either stops at the first error (ON_ERROR_STOP) or
 * records the error and goes on.
 */
final class PagilaSqlFile {
    private PagilaSqlFile() {}

    enum OnError { STOP, CONTINUE }

    record Failure(int line, String statement, String error) {
        @Override
        public String toString() {
            String head = statement.lines().findFirst().orElse("");
            return "line " + line + " `" + (head.length() > 60 ? head.substring(0, 60) + "…" : head) + "`: " + error;
        }
    }

    record Result(long rowsCopied, List<String> skippedCommands, List<Failure> failures) {}

    /** Called after each statement with its row count (updated or copied) and how much of the file is read. */
    interface Progress {
        void executed(String statement, long rows, double fractionRead);
    }

    /** The file is not a complete SQL script: unterminated statement, quote or COPY block. */
    static final class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }

    static Result run(Connection connection, Path file, OnError onError, Progress progress)
            throws IOException, SQLException {
        long size = Math.max(1, Files.size(file));
        long rowsCopied = 0;
        var skipped = new ArrayList<String>();
        var failures = new ArrayList<Failure>();
        try (var counted = new CountingInputStream(Files.newInputStream(file));
             var reader = new BufferedReader(new InputStreamReader(counted, StandardCharsets.UTF_8), 1 << 16);
             Statement st = connection.createStatement()) {
            // The driver must pass the text on as it is (no JDBC {escape} rewriting).
            st.setEscapeProcessing(false);
            var parser = new Parser(reader);
            for (Parser.Item item; (item = parser.next()) != null; ) {
                if (item instanceof Parser.Meta meta) {
                    skipped.add(meta.command());
                    continue;
                }
                var sql = (Parser.Sql) item;
                long rows;
                String error;
                if (sql.copyFromStdin()) {
                    var copy = copy(connection, sql.text(), parser);
                    rows = copy.rows();
                    rowsCopied += rows;
                    error = copy.error();
                } else {
                    rows = 0;
                    error = null;
                    try {
                        if (!st.execute(sql.text())) {
                            rows = Math.max(0, st.getUpdateCount());
                        }
                    } catch (SQLException e) {
                        error = firstLine(e);
                    }
                    st.clearWarnings();
                }
                if (error != null) {
                    var failure = new Failure(sql.line(), sql.text(), error);
                    if (onError == OnError.STOP) {
                        throw new LabException(file.getFileName() + " failed at " + failure);
                    }
                    failures.add(failure);
                }
                progress.executed(sql.text(), rows, Math.min(1.0, counted.count / (double) size));
            }
        }
        return new Result(rowsCopied, List.copyOf(skipped), List.copyOf(failures));
    }

    private record Copied(long rows, String error) {}

    /**
     * Streams the rows of one COPY block to the server. Whatever happens, the block is read up to
     * its {@code \.} so that the next statement starts in the right place (psql does the same).
     */
    private static Copied copy(Connection connection, String sql, Parser parser) throws IOException, SQLException {
        CopyIn in = null;
        String error = null;
        try {
            in = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        } catch (SQLException e) {
            error = firstLine(e);
        }
        var buffer = new ByteArrayOutputStream(1 << 17);
        long rows = 0;
        try {
            for (String row; (row = parser.nextCopyRow()) != null; ) {
                if (error != null) {
                    continue;
                }
                buffer.writeBytes(row.getBytes(StandardCharsets.UTF_8));
                buffer.write('\n');
                if (buffer.size() >= 1 << 16) {
                    error = send(in, buffer);
                }
            }
        } catch (IOException e) {
            // A truncated block: end the COPY, or the connection stays in COPY mode for good.
            if (in != null && in.isActive()) {
                in.cancelCopy();
            }
            throw e;
        }
        if (error == null) {
            error = send(in, buffer);
        }
        try {
            if (error == null) {
                rows = in.endCopy();
            } else if (in != null && in.isActive()) {
                in.cancelCopy();
            }
        } catch (SQLException e) {
            error = error == null ? firstLine(e) : error;
        }
        return new Copied(error == null ? rows : 0, error);
    }

    private static String send(CopyIn in, ByteArrayOutputStream buffer) {
        try {
            in.writeToCopy(buffer.toByteArray(), 0, buffer.size());
            buffer.reset();
            return null;
        } catch (SQLException e) {
            return firstLine(e);
        }
    }

    private static String firstLine(SQLException e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    /** How many bytes of the file were read, for the percentage shown while loading. */
    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(0, n);
            return n;
        }
    }

    /**
     * Cuts psql input into statements, the way psql's own lexer does for what pg_dump writes:
     * a semicolon ends a statement unless it is inside a 'string' (E'…' with backslash escapes),
     * a "quoted identifier", a $tag$ dollar-quoted body $tag$ or a comment. Comments are
     * dropped. A line starting with a backslash between statements is a psql command. After a
     * {@code COPY … FROM stdin;} the rows follow, one a line, up to a line {@code \.}.
     * Strings follow standard_conforming_strings = on, as pg_dump writes them.
     */
    static final class Parser {
        sealed interface Item permits Sql, Meta {}

        /** A statement and the line it starts on. */
        record Sql(String text, int line, boolean copyFromStdin) implements Item {}

        /** A psql backslash command, e.g. "\restrict" (its arguments are not kept: a restrict key is noise). */
        record Meta(String command, int line) implements Item {}

        private static final Pattern COPY_FROM_STDIN =
                Pattern.compile("(?is)^COPY\\s.*\\bFROM\\s+stdin\\b.*");
        private static final Pattern DOLLAR_TAG =
                Pattern.compile("\\$([A-Za-z_\\x{80}-\\x{10FFFF}][\\w\\x{80}-\\x{10FFFF}]*)?\\$");

        private final BufferedReader in;
        private int lineNumber;
        private String rest; // what follows a statement's semicolon on the same line
        private final StringBuilder sql = new StringBuilder();
        private boolean started; // the current statement has begun (more than whitespace and comments)
        private int startLine;
        private char quote; // ' or " while inside one, else 0
        private boolean backslashEscapes; // inside E'…'
        private String dollarTag; // while inside a dollar-quoted body
        private int commentDepth; // /* nested /* comments */ */

        Parser(BufferedReader in) {
            this.in = in;
        }

        /** The next statement or psql command, or null at the end of the file. */
        Item next() throws IOException {
            while (true) {
                String line = rest;
                rest = null;
                if (line == null) {
                    line = in.readLine();
                    if (line == null) {
                        return endOfFile();
                    }
                    lineNumber++;
                }
                if (betweenStatements() && line.stripLeading().startsWith("\\")) {
                    return new Meta(line.strip().split("\\s+")[0], lineNumber);
                }
                Sql statement = scan(line);
                if (statement != null) {
                    return statement;
                }
            }
        }

        /** The next row of the current COPY block, or null at its {@code \.}. */
        String nextCopyRow() throws IOException {
            String line = in.readLine();
            if (line == null) {
                throw new Malformed("the file ends inside the COPY block before line " + (lineNumber + 1)
                        + " (no \\. line): it is truncated");
            }
            lineNumber++;
            return line.equals("\\.") ? null : line;
        }

        private boolean betweenStatements() {
            return !started && commentDepth == 0;
        }

        private Item endOfFile() throws Malformed {
            if (betweenStatements()) {
                return null;
            }
            String inside = quote == '\'' ? "a string" : quote == '"' ? "a quoted identifier"
                    : dollarTag != null ? "the " + dollarTag + " body" : commentDepth > 0 ? "a comment"
                    : "a statement without its ';'";
            throw new Malformed("the file ends inside " + inside + " that starts at line " + startLine
                    + ": it is truncated");
        }

        /** Scans one line; returns a statement when one ends on it (the rest of the line is kept for later). */
        private Sql scan(String line) throws Malformed {
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                char next = i + 1 < line.length() ? line.charAt(i + 1) : 0;
                if (commentDepth > 0) {
                    if (c == '*' && next == '/') {
                        commentDepth--;
                        i++;
                    } else if (c == '/' && next == '*') {
                        commentDepth++;
                        i++;
                    }
                    continue;
                }
                if (dollarTag != null) {
                    if (line.startsWith(dollarTag, i)) {
                        sql.append(dollarTag);
                        i += dollarTag.length() - 1;
                        dollarTag = null;
                    } else {
                        sql.append(c);
                    }
                    continue;
                }
                if (quote != 0) {
                    sql.append(c);
                    if (backslashEscapes && c == '\\' && next != 0) {
                        sql.append(next);
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                    continue;
                }
                if (c == '-' && next == '-') {
                    break;
                }
                if (c == '/' && next == '*') {
                    commentDepth++;
                    i++;
                    continue;
                }
                if (!started && !Character.isWhitespace(c)) {
                    started = true;
                    startLine = lineNumber;
                }
                if (c == '\'' || c == '"') {
                    backslashEscapes = c == '\'' && startsEscapeString();
                    quote = c;
                } else if (c == '$' && !endsWithIdentifierChar(sql)) {
                    var m = DOLLAR_TAG.matcher(line).region(i, line.length());
                    if (m.lookingAt()) {
                        dollarTag = m.group();
                        sql.append(dollarTag);
                        i = m.end() - 1;
                        continue;
                    }
                } else if (c == ';') {
                    return endStatement(line.substring(i + 1));
                }
                sql.append(c);
            }
            if (started) {
                sql.append('\n');
            }
            return null;
        }

        private Sql endStatement(String restOfLine) throws Malformed {
            String text = sql.toString().strip();
            sql.setLength(0);
            started = false;
            boolean copy = COPY_FROM_STDIN.matcher(text).matches();
            if (copy && !restOfLine.isBlank()) {
                throw new Malformed("line " + lineNumber + ": text after COPY … FROM stdin; on the same line");
            }
            rest = restOfLine.isBlank() ? null : restOfLine;
            if (text.isEmpty()) {
                return rest == null ? null : scan(takeRest());
            }
            return new Sql(text, startLine, copy);
        }

        private String takeRest() {
            String line = rest;
            rest = null;
            return line;
        }

        /** E'…' (or e'…'): the E must stand alone, not end a longer word such as "type'". */
        private boolean startsEscapeString() {
            int n = sql.length();
            if (n == 0 || (sql.charAt(n - 1) != 'E' && sql.charAt(n - 1) != 'e')) {
                return false;
            }
            return n == 1 || !isIdentifierChar(sql.charAt(n - 2));
        }

        private static boolean endsWithIdentifierChar(CharSequence s) {
            return !s.isEmpty() && isIdentifierChar(s.charAt(s.length() - 1));
        }

        private static boolean isIdentifierChar(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '$';
        }
    }
}
