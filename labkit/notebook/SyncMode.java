package labkit.notebook;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import labkit.cluster.Cluster;
import labkit.cluster.Node;
import labkit.measure.LinkProbe;
import labkit.measure.RoundTripCost;
import org.HdrHistogram.Histogram;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The switch between asynchronous and synchronous replication (Modules 3 and 4), made with the
 * SQL a student would type (ALTER SYSTEM, then a reload: no restart), shown as it runs.
 */
public final class SyncMode {
    private SyncMode() {}

    /**
     * Names {@code standby} in synchronous_standby_names (double-quoted: the name has a hyphen) and
     * sets synchronous_commit to {@code commitLevel}; returns once the primary reports the standby
     * as sync, with the pg_stat_replication row that says so.
     */
    public static Table on(Lab lab, Cluster cluster, Node primary, Node standby, String commitLevel) {
        show(lab, primary, primary.alterSystem("synchronous_standby_names", "'\"" + standby.name() + "\"'"));
        show(lab, primary, primary.alterSystem("synchronous_commit", "'" + commitLevel + "'"));
        return waitFor(lab, cluster, primary, standby, "sync");
    }

    /**
     * The lesson of 3.2, judged on what was measured: every synchronous commit waits at least one
     * round trip to the standby ({@link RoundTripCost}).
     */
    public static Claim roundTripPaid(Histogram async, Histogram sync, LinkProbe rtt) {
        var cost = RoundTripCost.of(async, sync, rtt.histogram());
        return Claim.of("every synchronous commit waits at least one round trip to the standby", cost.shown(), cost.json(),
                String.format(Locale.ROOT, """
                        Every synchronous commit waited for the standby: the median write took %.1f ms longer than in async
                        mode, about the link's round trip (%s), and %.2f %% of sync commits beat the round trip's p10.""",
                        cost.extraP50Ms(), Report.rtt(rtt), 100 * cost.fasterThanRttP10()),
                String.format(Locale.ROOT, """
                        Not shown this run: sync p50 - async p50 = %.1f ms against a round trip of %s (expected %.1f to
                        %.1f ms), and %.2f %% of sync commits beat its p10 (expected under %.0f %%). A busy machine does
                        this: run the lab again when it is quiet.""", cost.extraP50Ms(), Report.rtt(rtt),
                        cost.rttP50Ms() - RoundTripCost.BELOW_MS, cost.rttP50Ms() + RoundTripCost.ABOVE_MS,
                        100 * cost.fasterThanRttP10(), 100 * RoundTripCost.MAX_FASTER_THAN_RTT));
    }

    /** Back to the default: no synchronous standby; returns once the primary reports {@code standby} as async. */
    public static Table off(Lab lab, Cluster cluster, Node primary, Node standby) {
        show(lab, primary, primary.alterSystem("synchronous_standby_names", "''"));
        return waitFor(lab, cluster, primary, standby, "async");
    }

    /** What a commit waits for at each synchronous_commit level, once a synchronous standby is named. */
    public static Table commitLevels() {
        return Table.create("synchronous_commit",
                StringColumn.create("level", "remote_write", "on", "remote_apply"),
                StringColumn.create("the commit returns when the standby has",
                        "handed the WAL to its OS (safe from a PostgreSQL crash there, not an OS crash)",
                        "flushed the WAL to its disk (the default)",
                        "replayed the WAL: a read on the standby sees the write"));
    }

    private static Table waitFor(Lab lab, Cluster cluster, Node primary, Node standby, String syncState) {
        cluster.waitForSyncState(primary, standby, syncState);
        return lab.show(primary, "SELECT application_name, state, sync_state FROM pg_stat_replication");
    }

    /**
     * The statements as psql runs them: one -c each, since ALTER SYSTEM refuses to run in the
     * implicit transaction of several statements in one -c.
     */
    private static void show(Lab lab, Node node, String sql) {
        lab.command(node.psqlCommand() + Arrays.stream(sql.split(";\\s*"))
                .map(statement -> " -c \"" + statement.replace("\"", "\\\"") + "\"").collect(Collectors.joining()));
    }
}
