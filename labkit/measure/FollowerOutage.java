//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.measure;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Locale;
import labkit.cluster.Node;
import labkit.cluster.Sql;
import labkit.cluster.Wait;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import tech.tablesaw.api.Table;

/**
 * One follower outage while the workload runs (Module 4.1): the standby is stopped, started again
 * later, and catches up. It records what happened on the lab clock (seconds since the lab's
 * start): {@code from} when its mode began, {@code down} when the standby had shut down, {@code
 * up} when it accepted connections again, and measures the stall, the catch-up and the WAL missed.
 * The lab drives it step by step and tells the story in between.
 */
public final class FollowerOutage {
    /** The primary's client sessions by what they wait for: SyncRep is a commit waiting for the standby. */
    public static final String WAITING_SESSIONS = "SELECT coalesce(wait_event, '-') AS wait_event, state, "
            + "count(*) AS sessions FROM pg_stat_activity WHERE backend_type = 'client backend' "
            + "AND pid <> pg_backend_pid() GROUP BY 1, 2 ORDER BY 3 DESC";

    private final String mode;
    private final Node primary;
    private final Node standby;
    private final long origin;
    private final double from;
    private String replayedBeforeStop;
    private String targetAtStart;
    private double down = Double.NaN;
    private double startAt = Double.NaN;
    private double up = Double.NaN;
    private double caughtUp = Double.NaN;
    private double to = Double.NaN;
    private long syncRepWaiting;
    private long missedWalBytes;
    private Audit.Result audit;

    private FollowerOutage(String mode, Node primary, Node standby, long origin) {
        this.mode = mode;
        this.primary = primary;
        this.standby = standby;
        this.origin = origin;
        this.from = now();
    }

    /** The outage of {@code standby} in {@code mode} ("sync" or "async") begins; {@code origin} is the lab clock's. */
    public static FollowerOutage begin(String mode, Node primary, Node standby, long origin) {
        return new FollowerOutage(mode, primary, standby, origin);
    }

    /** Fast shutdown of the standby; remembers how far it had replayed. Returns the lab time it was down. */
    public double stopStandby() {
        replayedBeforeStop = standby.lsn();
        standby.stop();
        down = now();
        return down;
    }

    /** Counts the SyncRep waits in a {@link #WAITING_SESSIONS} result taken during the outage. */
    public long countSyncRepWaiting(Table sessions) {
        syncRepWaiting = (long) sessions.where(sessions.stringColumn("wait_event").isEqualTo("SyncRep"))
                .longColumn("sessions").sum();
        return syncRepWaiting;
    }

    /** How long to wait from now so that the standby stays down for {@code outage}. */
    public Duration remainingOf(Duration outage) {
        return Duration.ofMillis(Math.max(0, Math.round((down + outage.toMillis() / 1000.0 - now()) * 1000)));
    }

    /** Starts the standby again; the primary's position now is what it must replay to have caught up. */
    public double startStandby() {
        targetAtStart = primary.lsn();
        startAt = now();
        standby.start();
        up = now();
        return startAt;
    }

    /** Waits until the standby has replayed up to where the primary was when it started; returns the catch-up (s). */
    public double awaitCatchUp(Duration timeout) {
        Wait.until(standby.name() + " replays up to " + targetAtStart + " (the primary's position when it started)",
                standby, "SELECT pg_last_wal_replay_lsn() >= '" + targetAtStart + "'::pg_lsn", "t", timeout);
        caughtUp = now();
        missedWalBytes = Long.parseLong(Sql.scalar(primary,
                "SELECT pg_wal_lsn_diff('" + targetAtStart + "', '" + replayedBeforeStop + "')::bigint"));
        return catchUpSeconds();
    }

    /**
     * Audits the writes acknowledged so far on the standby, while the workload goes on: each of
     * them committed on the primary before the position read next, so once the standby has
     * replayed up to that position, each must be there. The outage ends here.
     */
    public Audit.Result auditOnStandby(Ledger ledger, Duration timeout) {
        var snapshot = new Ledger();
        ledger.writes().forEach(snapshot::record);
        primary.waitForCatchup(standby, timeout);
        audit = Audit.on(snapshot, standby);
        to = now();
        return audit;
    }

    public String mode() { return mode; }
    public double down() { return down; }
    public double up() { return up; }
    public long syncRepWaiting() { return syncRepWaiting; }
    public long missedWalBytes() { return missedWalBytes; }
    public Audit.Result audit() { return audit; }

    /** From the standby's shutdown to its accepting connections again: what the outage really lasted. */
    public double measuredDownSeconds() { return up - down; }

    /** From the start command to replaying the primary's position at that moment. */
    public double catchUpSeconds() { return caughtUp - startAt; }

    /** Writes acknowledged while the standby was down. */
    public long okDuringOutage(Ledger ledger) {
        return ledger.writes().stream().filter(w -> w.outcome() == Outcome.OK
                && w.doneNanos() > nanos(down) && w.doneNanos() < nanos(up)).count();
    }

    /** Whole seconds inside the outage in which no write was acknowledged. */
    public long stalledSeconds(Ledger ledger) {
        var ok = ledger.perSecond().intColumn("ok");
        long stalled = 0;
        for (int s = (int) Math.ceil(down); s + 1 <= up; s++) {
            if (s >= ok.size() || ok.getInt(s) == 0) {
                stalled++;
            }
        }
        return stalled;
    }

    /** Latency of the acknowledged writes that arrived during this mode. */
    public ObjectNode writeLatency(Ledger ledger) {
        return Latency.json(Latency.of(ledger.writes().stream().filter(w -> w.outcome() == Outcome.OK
                && w.intendedNanos() >= nanos(from) && w.intendedNanos() < nanos(to)).map(Ledger.Write::latencyMs).toList()));
    }

    /** The outage in one line, for the lab's outcome. */
    public String describe(Ledger ledger) {
        String clients = mode.equals("sync")
                ? "writes stalled for %d whole seconds (%d commits waiting on SyncRep)".formatted(stalledSeconds(ledger), syncRepWaiting)
                : "%,d writes acknowledged meanwhile".formatted(okDuringOutage(ledger));
        return String.format(Locale.ROOT, "%s mode: standby down %.1f s, %s; it missed %,d kB of WAL and caught up in "
                + "%.1f s; acknowledged writes missing on it: %d.", mode, measuredDownSeconds(), clients,
                missedWalBytes / 1024, catchUpSeconds(), audit.lostAcked());
    }

    /**
     * followerFailure in summary.json: the setting, each outage as measured, the catch-up of the
     * async one (there the standby missed the whole outage's WAL) and the acknowledged writes lost.
     */
    public static ObjectNode summary(Duration configuredOutage, FollowerOutage sync, FollowerOutage async, Ledger ledger) {
        var node = JsonNodeFactory.instance.objectNode().put("configuredOutageSeconds", configuredOutage.toMillis() / 1000.0);
        node.set("sync", sync.json(ledger));
        node.set("async", async.json(ledger));
        node.put("catchUpSeconds", round(async.catchUpSeconds()));
        node.put("lostAcked", sync.audit.lostAcked() + async.audit.lostAcked());
        return node;
    }

    /** This outage for summary.json, its measures taken from {@code ledger} (the whole run's). */
    public ObjectNode json(Ledger ledger) {
        var node = JsonNodeFactory.instance.objectNode()
                .put("downAtS", round(down)).put("upAtS", round(up))
                .put("measuredDownSeconds", round(measuredDownSeconds()))
                .put("stalledSeconds", stalledSeconds(ledger))
                .put("okDuringOutage", okDuringOutage(ledger))
                .put("syncRepWaiting", syncRepWaiting)
                .put("catchUpSeconds", round(catchUpSeconds()))
                .put("missedWalBytes", missedWalBytes)
                .put("lostAcked", audit.lostAcked())
                .put("unknownPresent", audit.unknownPresent())
                .put("unknownAbsent", audit.unknownAbsent());
        // the counts above cover the outage itself; the latency covers the whole mode, up to the audit
        node.set("window", new Window("standby down", down, "standby up", up).json());
        node.putObject("latency").<ObjectNode>set("write", writeLatency(ledger))
                .set("window", new Window(mode + " mode", from, "standby audited", to).json());
        return node;
    }

    private double now() {
        return (System.nanoTime() - origin) / 1e9;
    }

    private static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
