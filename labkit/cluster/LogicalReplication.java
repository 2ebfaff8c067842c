//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.cluster;

import java.time.Duration;
import tech.tablesaw.api.Table;

/**
 * Logical replication's verbs (publication, subscription, a look at the decoded change stream),
 * each the SQL a student would type, run on the node it belongs to. The publisher needs
 * {@code wal_level = logical}.
 */
public final class LogicalReplication {
    private LogicalReplication() {}

    /** {@code CREATE PUBLICATION name what} on the publisher, e.g. what = "FOR TABLES IN SCHEMA public"; returns the SQL. */
    public static String createPublication(Node publisher, String name, String what) {
        String sql = "CREATE PUBLICATION " + name + " " + what;
        Sql.exec(publisher, sql);
        return sql;
    }

    /**
     * {@code CREATE SUBSCRIPTION} on the subscriber, connecting as the superuser to
     * {@code publisher} as the subscriber sees it (the publisher itself, or a link in front of it).
     * Without {@code copyData} the tables must already hold the publisher's rows (a restored dump).
     * Returns the SQL (password hidden) once every table is ready and the apply worker runs.
     */
    public static String createSubscription(Node subscriber, String name, NodeRuntime.Endpoint publisher,
                                            String publication, boolean copyData, Duration timeout) {
        var env = Env.get();
        String conninfo = "host=" + publisher.host() + " port=" + publisher.port() + " dbname=" + env.database()
                + " user=" + env.superuser() + " application_name=" + subscriber.name();
        String sql = "CREATE SUBSCRIPTION " + name + " CONNECTION '%s' PUBLICATION " + publication
                + " WITH (copy_data = " + copyData + ")";
        Sql.exec(subscriber, sql.formatted(conninfo + " password=" + env.superuserPassword()));
        Wait.until("every table of subscription " + name + " is ready", subscriber,
                "SELECT count(*) FILTER (WHERE srsubstate <> 'r') = 0 AND count(*) > 0 FROM pg_subscription_rel r "
                        + "JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = '" + name + "'", "t", timeout);
        waitForApplyWorker(subscriber, name, timeout);
        return sql.formatted(conninfo + " password=…");
    }

    /** True while the subscription's apply worker runs (it exits on an error it cannot apply past, and retries). */
    public static boolean applyWorkerRunning(Node subscriber, String subscription) {
        return "t".equals(Sql.scalar(subscriber, applyWorkerQuery(subscription)));
    }

    public static void waitForApplyWorker(Node subscriber, String subscription, Duration timeout) {
        Wait.until("the apply worker of " + subscription + " runs", subscriber, applyWorkerQuery(subscription), "t", timeout);
    }

    /** Errors the apply worker met so far (pg_stat_subscription_stats, PostgreSQL 15 and later). */
    public static long applyErrors(Node subscriber, String subscription) {
        return Long.parseLong(Sql.scalar(subscriber, "SELECT apply_error_count FROM pg_stat_subscription_stats WHERE subname = '"
                + subscription + "'"));
    }

    /**
     * A slot that decodes the change stream with test_decoding, so that {@link #peek} can show it
     * as rows. Drop it with {@link #dropSlot}: a slot left behind keeps the publisher's WAL forever.
     */
    public static String createPeekSlot(Node publisher, String slot) {
        String sql = "SELECT pg_create_logical_replication_slot('" + slot + "', 'test_decoding')";
        Sql.exec(publisher, sql);
        return sql;
    }

    /** The decoded changes in the slot (lsn, xid, data), without consuming them. */
    public static Table peek(Node publisher, String slot, int max) {
        return Sql.query(publisher, peekQuery(slot, max));
    }

    public static String peekQuery(String slot, int max) {
        return "SELECT lsn, xid, data FROM pg_logical_slot_peek_changes('" + slot + "', NULL, " + max
                + ", 'include-timestamp', 'on')";
    }

    public static void dropSlot(Node publisher, String slot) {
        Sql.exec(publisher, "SELECT pg_drop_replication_slot('" + slot + "')");
    }

    private static String applyWorkerQuery(String subscription) {
        // the apply worker is the subscription's row with no relid (table-sync workers have one)
        return "SELECT count(pid) > 0 FROM pg_stat_subscription WHERE subname = '" + subscription + "' AND relid IS NULL";
    }
}
