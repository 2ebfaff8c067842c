package labkit.notebook;

import java.time.Duration;
import labkit.cluster.ByHand;
import labkit.cluster.Node;
import labkit.cluster.ServerLog;
import labkit.measure.FollowerOutage;
import labkit.measure.SlotRetention;

/**
 * The course's "Follower Failure (Catch-up Recovery)" demo, with the workload running: the
 * standby is stopped, stays down for the outage, starts again and catches up, and the writes so
 * far are audited on it. Prints the actions, the commands to do them by hand and what to observe;
 * the measures are a {@link FollowerOutage}.
 */
public final class FollowerFailure {
    private static final Duration CATCH_UP = Duration.ofMinutes(5);

    private FollowerFailure() {}

    /** @param mode "sync" or "async": the standby's sync_state in the primary's pg_stat_replication */
    public static FollowerOutage demo(LiveRun run, String mode, Node primary, Node standby, Duration outage) {
        Lab lab = run.lab();
        var window = FollowerOutage.begin(mode, primary, standby, lab.startNanos());
        run.watch(run.steady());
        lab.say("Action: stop " + standby.name() + " (a clean, fast shutdown).");
        lab.command(ByHand.stop(standby));
        run.mark(window.stopStandby(), "standby stopped");
        lab.event("Stopped node \"" + standby.name() + "\"");
        lab.say(mode.equals("sync") ? """
                Observe: writes stall. Each commit is on the primary's disk but waits for a confirmation that
                cannot come; the clients hang, and new arrivals queue behind them."""
                : "Observe: writes go on, and the WAL the primary keeps for the standby's slot grows.");
        run.watch(Duration.ofMillis(Math.min(3000, outage.toMillis() / 2)));
        lab.say("What the primary's client sessions wait for (SyncRep: a commit waiting for the standby), and the slot:");
        window.countSyncRepWaiting(lab.show(primary, FollowerOutage.WAITING_SESSIONS));
        lab.show(primary, SlotRetention.SHOW_SLOT);
        run.watch(window.remainingOf(outage));

        lab.say("Action: start " + standby.name() + " again.");
        lab.command(ByHand.start(standby));
        run.mark(window.startStandby(), "standby started");
        lab.event("Started node \"" + standby.name() + "\"");
        window.awaitCatchUp(CATCH_UP);
        lab.result("Down for %.1f s (from its shutdown to accepting connections again; the outage set was %.1f s). "
                .formatted(window.measuredDownSeconds(), outage.toMillis() / 1000.0)
                + "Caught up in %.1f s: it replayed the %,d kB of WAL it had missed."
                .formatted(window.catchUpSeconds(), window.missedWalBytes() / 1024));
        lab.say("Observe the standby's log: it recovers to a consistent state, reconnects and streams what it missed.");
        lab.command(ByHand.logs(standby));
        ServerLog.storyFrom(standby, "shutdown request", 15).forEach(lab::result);
        if (mode.equals("sync")) {
            lab.say("The stalled commits are confirmed now; the writes that queued behind them drain.");
        }
        run.watch(Duration.ofSeconds(2));
        run.awaitBacklog(Duration.ofMinutes(2));
        var audit = window.auditOnStandby(run.ledger(), CATCH_UP);
        lab.table(Report.audit(audit));
        lab.say(audit.lostAcked() == 0 ? "No acknowledged write is missing on the standby: it healed itself."
                : audit.lostAcked() + " acknowledged writes are missing on the standby.");
        return window;
    }
}
