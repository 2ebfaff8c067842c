package labkit.cluster;

import java.time.Duration;

/**
 * Every wait is a named guarantee backed by a query, never a sleep. On timeout the error names
 * the guarantee, the query, the value expected and the last value seen (or the last error).
 */
public final class Wait {
    private static final Duration POLL = Duration.ofMillis(100);

    private Wait() {}

    public static void until(String guarantee, Node node, String query, String expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastSeen = "(no answer yet)";
        while (true) {
            try {
                String value = Sql.scalar(node, query);
                if (expected.equals(value)) {
                    return;
                }
                lastSeen = String.valueOf(value);
            } catch (LabException e) {
                lastSeen = "error: " + e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new LabException("timed out after " + timeout.toSeconds() + " s waiting for " + guarantee
                        + ": on " + node.name() + " `" + query + "` expected " + expected + ", last saw " + lastSeen);
            }
            sleep(POLL);
        }
    }

    /**
     * Whether {@code query} on {@code node} answers {@code expected} within {@code timeout}: for
     * something the lab tries and reports either way (does a DDL reach the standby?), not a guarantee.
     */
    public static boolean seen(Node node, String query, String expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            try {
                if (expected.equals(Sql.scalar(node, query))) {
                    return true;
                }
            } catch (LabException e) {
                // not yet: a node that is starting, a relation that is not there yet
            }
            sleep(POLL);
        } while (System.nanoTime() < deadline);
        return false;
    }

    /** Until {@code table} on {@code node} has the row whose {@code key} column is {@code key}. */
    public static void forRow(Node node, String table, String key, Duration timeout) {
        until(node.name() + " has the row " + key + " in " + table, node,
                "SELECT count(*) FROM " + table + " WHERE key = '" + key.replace("'", "''") + "'", "1", timeout);
    }

    public static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        }
    }
}
