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
import labkit.cluster.LabException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Runs a plain SQL file the way {@code psql -f} does, but through JDBC, so that no psql is
 * needed: pg_dump's plain output (the official Pagila) and our own pagila/*.sql. {@link PsqlLexer}
 * cuts the file into statements; they go one by one in autocommit, like psql; a {@code COPY ...
 * FROM stdin;} block is streamed through the driver's CopyManager; psql's own backslash commands
 * ({@code \connect}, and the restrict and unrestrict commands that newer dumps begin and end with)
 * mean nothing to the server and are skipped, and listed. Like psql, it either stops at the first error (ON_ERROR_STOP) or
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
            var lexer = new PsqlLexer(reader);
            for (PsqlLexer.Item item; (item = lexer.next()) != null; ) {
                if (item instanceof PsqlLexer.Meta meta) {
                    skipped.add(meta.command());
                    continue;
                }
                var sql = (PsqlLexer.Sql) item;
                long rows;
                String error;
                if (sql.copyFromStdin()) {
                    var copy = copy(connection, sql.text(), lexer);
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
    private static Copied copy(Connection connection, String sql, PsqlLexer lexer) throws IOException, SQLException {
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
            for (String row; (row = lexer.nextCopyRow()) != null; ) {
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
}
