package labkit.cluster;

import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A monitoring system's view of a primary: one {@code SELECT 1} every interval, and the node is
 * declared down after a number of failed checks in a row (one failure may be a network blip).
 * This is what a failover tool does first, and in a manual failover it is most of the RTO.
 */
public final class HealthCheck {
    /** A stopped node that still answers after this many checks is a failure of the lab, not a slow detection. */
    private static final int MAX_CHECKS = 60;

    private final Node node;
    private final int failuresInARow;
    private final Duration every;

    public HealthCheck(Node node, int failuresInARow, Duration every) {
        if (failuresInARow < 1) {
            throw new IllegalArgumentException("failuresInARow must be >= 1");
        }
        this.node = node;
        this.failuresInARow = failuresInARow;
        this.every = every;
    }

    public int failuresInARow() { return failuresInARow; }

    public Duration every() { return every; }

    /**
     * Checks until {@link #failuresInARow} checks in a row have failed, each result told to
     * {@code narrator}; {@code waitBetween} spends the interval before each check (a lab lets its
     * monitor print meanwhile). Returns the number of checks made.
     */
    public int awaitDown(Narrator narrator, Consumer<Duration> waitBetween) {
        int failed = 0;
        int check = 0;
        while (failed < failuresInARow) {
            if (++check > MAX_CHECKS) {
                throw new LabException(node.name() + " still answers health checks after " + MAX_CHECKS + " checks");
            }
            waitBetween.accept(every);
            try (var c = node.connect(); var st = c.createStatement()) {
                st.execute("SELECT 1");
                failed = 0;
                narrator.result("health check of " + node.name() + ": ok");
            } catch (SQLException e) {
                failed++;
                narrator.result("health check of " + node.name() + ": FAILED " + failed + "/" + failuresInARow
                        + " (" + firstSentence(e) + ")");
            }
        }
        narrator.event("Declared \"" + node.name() + "\" down");
        return check;
    }

    /** JDBC messages run on ("Check that the hostname and port are correct and…"): the first sentence says it. */
    public static String firstSentence(SQLException e) {
        String line = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        int end = line.indexOf(". ");
        return end > 0 ? line.substring(0, end + 1) : line;
    }
}
