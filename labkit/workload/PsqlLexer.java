package labkit.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * Cuts psql input into statements, the way psql's own lexer does for what pg_dump writes:
 * a semicolon ends a statement unless it is inside a 'string' (E'…' with backslash escapes),
 * a "quoted identifier", a $tag$ dollar-quoted body $tag$ or a comment. Comments are
 * dropped. A line starting with a backslash between statements is a psql command. After a
 * {@code COPY … FROM stdin;} the rows follow, one a line, up to a line {@code \.}.
 * Strings follow standard_conforming_strings = on, as pg_dump writes them.
 */
final class PsqlLexer {
    /** The file is not a complete SQL script: unterminated statement, quote or COPY block. */
    static final class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }

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

    PsqlLexer(BufferedReader in) {
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
