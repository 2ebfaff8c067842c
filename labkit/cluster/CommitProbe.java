//DEPS org.postgresql:postgresql:42.7.8
package labkit.cluster;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.util.PSQLWarning;

/**
 * One session that commits one row with a {@code statement_timeout}, on its own thread, so that a
 * lab can watch its commit wait for a synchronous standby, cancel it, and show what the session
 * was told (the server's warning and its detail).
 */
public final class CommitProbe {
    public static final String APPLICATION_NAME = "pglab-probe";

    private final Node node;
    private final AtomicReference<String> told = new AtomicReference<>();

    private CommitProbe(Node node) {
        this.node = node;
    }

    /** Starts {@code SET statement_timeout = timeout; INSERT INTO table …} on {@code node}; the table must exist. */
    public static CommitProbe start(Node node, String table, Duration timeout) {
        var probe = new CommitProbe(node);
        Thread.ofVirtual().name("commit-probe").start(() -> probe.run(table, timeout));
        return probe;
    }

    private void run(String table, Duration timeout) {
        try (var c = node.connect(); var st = c.createStatement()) {
            st.execute("SET application_name = '" + APPLICATION_NAME + "'");
            st.execute("SET statement_timeout = '" + timeout.toMillis() + "ms'");
            st.execute("INSERT INTO " + table + " VALUES (now())");
            var warning = st.getWarnings();
            String detail = warning instanceof PSQLWarning w && w.getServerErrorMessage() != null
                    && w.getServerErrorMessage().getDetail() != null ? " DETAIL: " + w.getServerErrorMessage().getDetail() : "";
            told.set(warning == null ? "INSERT 0 1" : "WARNING: " + warning.getMessage() + detail);
        } catch (SQLException e) {
            told.set("ERROR: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
    }

    /** What the server says the session waits for now ("SyncRep": a commit waiting for a standby), or null. */
    public String waitEvent() {
        return Sql.scalar(node, "SELECT wait_event FROM pg_stat_activity WHERE application_name = '" + APPLICATION_NAME + "'");
    }

    /** The statement that cancels the probe's wait, as a student types it. */
    public static String cancelSql() {
        return "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = '" + APPLICATION_NAME + "'";
    }

    public void cancel() {
        Sql.exec(node, cancelSql());
    }

    /** What the session was told, waiting up to {@code timeout}; null when it still waits. */
    public String answer(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (told.get() == null && System.nanoTime() < deadline) {
            Wait.sleep(Duration.ofMillis(20));
        }
        return told.get();
    }
}
