package labkit.cluster;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Logical replication in PostgreSQL's verbs: a publication on one node, a subscription to it on
 * another, its progress (seen from the publisher's pg_stat_replication, where the subscription's
 * WAL sender is named after it) and its errors (the subscriber's log, pg_stat_subscription_stats).
 * Each verb that changes something returns the SQL it ran, for the lab to show.
 */
public final class Logical {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Enough of a log for the last error: a race's conflicts log three or four lines each. */
    private static final int LOG_LINES = 2_000;
    private static final Pattern FINISHED_AT = Pattern.compile("finished at ([0-9A-F]+/[0-9A-F]+)");

    private Logical() {}

    /** {@code CREATE PUBLICATION publication FOR TABLE tables}. */
    public static String publish(Node node, String publication, List<String> tables) {
        String sql = "CREATE PUBLICATION " + publication + " FOR TABLE " + String.join(", ", tables);
        Sql.exec(node, sql);
        return sql;
    }

    /**
     * {@code CREATE SUBSCRIPTION} on {@code subscriber} to {@code publication} at {@code publisher}
     * (as the nodes reach it, e.g. through a link), {@code WITH (options)}; returns once its apply worker runs.
     */
    public static String subscribe(Node subscriber, String subscription, NodeRuntime.Endpoint publisher,
                                   String publication, String options) {
        var env = Env.get();
        String sql = "CREATE SUBSCRIPTION " + subscription + " CONNECTION 'host=" + publisher.host() + " port="
                + publisher.port() + " user=" + env.superuser() + " password=" + env.superuserPassword() + " dbname="
                + env.database() + "' PUBLICATION " + publication + (options.isBlank() ? "" : " WITH (" + options + ")");
        Sql.exec(subscriber, sql);
        Wait.until("the apply worker of " + subscription + " runs", subscriber,
                "SELECT count(*) FROM pg_stat_subscription WHERE subname = '" + subscription + "' AND pid IS NOT NULL"
                        + " AND relid IS NULL", "1", TIMEOUT);
        return sql;
    }

    /** Waits until {@code subscription} has applied everything {@code publisher} has written so far. */
    public static void waitForCatchup(Node publisher, String subscription) {
        String target = publisher.lsn();
        Wait.until(subscription + " has applied " + publisher.name() + "'s WAL up to " + target, publisher,
                "SELECT replay_lsn >= '" + target + "' FROM pg_stat_replication WHERE application_name = '"
                        + subscription + "'", "t", TIMEOUT);
    }

    /** {@code ALTER SUBSCRIPTION … DISABLE}, once its apply worker has stopped: the node takes no more changes. */
    public static String disable(Node subscriber, String subscription) {
        String sql = "ALTER SUBSCRIPTION " + subscription + " DISABLE";
        Sql.exec(subscriber, sql);
        Wait.until("the apply worker of " + subscription + " has stopped", subscriber,
                "SELECT count(*) FROM pg_stat_subscription WHERE subname = '" + subscription + "' AND pid IS NOT NULL",
                "0", TIMEOUT);
        return sql;
    }

    /** {@code ALTER SUBSCRIPTION … ENABLE}: the apply worker starts again where it stopped. */
    public static String enable(Node subscriber, String subscription) {
        String sql = "ALTER SUBSCRIPTION " + subscription + " ENABLE";
        Sql.exec(subscriber, sql);
        return sql;
    }

    /** Waits until an apply error has disabled {@code subscription} (created with disable_on_error = true). */
    public static void waitUntilDisabled(Node subscriber, String subscription) {
        Wait.until(subscription + " is disabled", subscriber,
                "SELECT subenabled FROM pg_subscription WHERE subname = '" + subscription + "'", "f", TIMEOUT);
    }

    /** The apply worker's error as the subscriber logged it, and where the remote transaction it failed on ends. */
    public record ApplyError(String line, String finishLsn) {}

    /**
     * The last apply error in the subscriber's log: an ERROR line followed, after its DETAIL, by the
     * CONTEXT that names where the remote transaction ends (conflicts that are only logged have a
     * CONTEXT too, under a LOG line).
     */
    public static Optional<ApplyError> lastApplyError(Node subscriber) {
        return lastApplyError(subscriber.logTail(LOG_LINES));
    }

    static Optional<ApplyError> lastApplyError(List<String> tail) {
        for (int i = tail.size() - 1; i >= 0; i--) {
            int error = tail.get(i).indexOf("ERROR:");
            for (int j = i + 1; error >= 0 && j < Math.min(tail.size(), i + 6); j++) {
                var finished = FINISHED_AT.matcher(tail.get(j));
                if (tail.get(j).contains("CONTEXT:") && finished.find()) {
                    return Optional.of(new ApplyError(tail.get(i).substring(error), finished.group(1)));
                }
            }
        }
        return Optional.empty();
    }

    /** Skips the remote transaction that ends at {@code lsn} (all of it) and enables the subscription again. */
    public static String skipAndEnable(Node subscriber, String subscription, String lsn) {
        String skip = "ALTER SUBSCRIPTION " + subscription + " SKIP (lsn = '" + lsn + "')";
        Sql.exec(subscriber, skip);
        return skip + "; " + enable(subscriber, subscription);
    }

    /** pg_stat_subscription_stats.apply_error_count: the times the apply worker stopped on an error. */
    public static long applyErrors(Node subscriber, String subscription) {
        return Long.parseLong(Sql.scalar(subscriber, "SELECT apply_error_count FROM pg_stat_subscription_stats"
                + " WHERE subname = '" + subscription + "'"));
    }

    /**
     * The conflicts {@code subscription} counted, by kind (confl_insert_exists,
     * confl_update_origin_differs, …): PostgreSQL 18 on. Empty before 18, which detects fewer and counts none.
     */
    public static Map<String, Long> conflictCounts(Node subscriber, String subscription) {
        var table = Sql.query(subscriber, "SELECT * FROM pg_stat_subscription_stats WHERE subname = '" + subscription + "'");
        var counts = new LinkedHashMap<String, Long>();
        for (String column : table.columnNames()) {
            if (column.startsWith("confl_") && table.rowCount() == 1) {
                counts.put(column, table.longColumn(column).get(0));
            }
        }
        return counts;
    }
}
