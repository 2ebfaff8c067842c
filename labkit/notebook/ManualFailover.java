package labkit.notebook;

import java.time.Duration;
import labkit.cluster.ByHand;
import labkit.cluster.HealthCheck;
import labkit.cluster.Link;
import labkit.cluster.Node;
import labkit.measure.Failover;
import labkit.workload.Ledger;

/**
 * The course's "Leader Failure (Manual Failover)" demo, with the workload writing to the primary:
 * the primary fails, the lab's health check declares it down, the standby is promoted and the
 * writes are re-routed to it; the RTO and its phases come from the ledger ({@link Failover}).
 */
public final class ManualFailover {
    /** How the primary fails: a fault schedule's one entry, "after the steady phase, {@code crash} the primary". */
    public enum Fault {
        /** Its zone fails: the process is killed and its network cut at the same moment (Module 2's zone failure). */
        crash,
        /** A clean stop, as {@code docker compose stop} does: the primary sends all its WAL first. */
        stop
    }

    private ManualFailover() {}

    /** @param link the replication link between {@code primary} and {@code standby}, cut by a crash */
    public static Failover demo(LiveRun run, Fault fault, Node primary, Node standby, Link link, HealthCheck check) {
        Lab lab = run.lab();
        run.watch(run.steady());
        lab.command(fault == Fault.crash ? ByHand.kill(primary) : ByHand.stop(primary));
        double struck = run.mark(fault == Fault.crash ? "primary killed" : "primary stopped");
        if (fault == Fault.crash) {
            link.cut();
            primary.kill();
        } else {
            primary.stop();
        }
        lab.eventAt(struck, (fault == Fault.crash ? "Killed" : "Stopped") + " node \"" + primary.name() + "\"");
        lab.say("Observe: every write fails. The standby serves reads but refuses writes, and nothing promotes it: "
                + "PostgreSQL has no built-in failover.");
        lab.show(standby, "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') AS transaction_read_only");
        lab.say("The lab plays the monitoring system: a check every %d s, the primary declared down after %d failures in a row (one failure may be a blip)."
                .formatted(check.every().toSeconds(), check.failuresInARow()));
        check.awaitDown(lab, run::watch);
        double declared = lab.elapsed();

        lab.say("Action: promote " + standby.name() + ". It replays the WAL it has, starts a new timeline and accepts writes.");
        lab.command(ByHand.promote(standby) + "    (or in SQL: SELECT pg_promote();)");
        standby.promote();
        double promoted = run.mark("promoted");
        lab.event("Promoted node \"" + standby.name() + "\"");
        lab.show(standby, "SELECT pg_is_in_recovery(), pg_walfile_name(pg_current_wal_lsn()) AS wal_file");
        lab.say("The WAL file name begins with the timeline. Action: re-route the writes (with k6: a new connection string).");
        run.workload().reroute(standby);
        lab.event("Writes re-routed to \"" + standby.name() + "\"");
        run.watchUntil("a write succeeds on " + standby.name(), () -> run.ledger().writes().stream()
                .anyMatch(w -> w.outcome() == Ledger.Outcome.OK && w.node().equals(standby.name())), Duration.ofMinutes(1));
        run.watch(Duration.ofSeconds(2));
        var failover = Failover.measure(run.ledger(), standby.name(), nanos(struck), nanos(declared), nanos(promoted));
        lab.table(failover.phases());
        lab.result(failover.describe());
        return failover;
    }

    private static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }
}
