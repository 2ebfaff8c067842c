//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.notebook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Locale;
import labkit.cluster.EtcdWatch;
import labkit.cluster.LabException;
import labkit.cluster.PatroniNode;
import labkit.cluster.PromotionWatch;
import labkit.measure.Audit;
import labkit.measure.Failover;
import labkit.measure.Latency;

/**
 * Module 7's answer to lab04's manual failover: the leader's zone fails (Patroni and PostgreSQL
 * killed, its link cut) while the workload writes through the multi-host URL; its leader key
 * expires, Patroni promotes the replica, the driver finds it. The RTO comes from the ledger
 * ({@link Failover}): detection ends when the key expired (etcd's watch says when), promotion
 * when the replica left recovery.
 */
public final class PatroniFailover {
    private static final Duration PROMOTION_TIMEOUT = Duration.ofSeconds(60);

    /**
     * @param keyTakenNanos when the replica took the leader key
     * @param audit         the writes of the old leader's time (completed before the promotion), on the new primary
     */
    public record Result(Failover rto, long keyTakenNanos, Audit.Result audit) {
        /** The RTO and its phases, the key's timing, the audit's losses and the new leader (summary.json's "managed"). */
        public ObjectNode json() {
            var json = rto.json();
            json.remove("newPrimary");
            json.put("leaderKeyExpiredAfterMs", Latency.round((rto.declaredDownNanos() - rto.faultNanos()) / 1e6))
                    .put("leaderKeyTakenAfterMs", Latency.round((keyTakenNanos - rto.declaredDownNanos()) / 1e6));
            json.put("lostAcked", audit.lostAcked()).put("rpoMs", Latency.round(audit.rpoMs()))
                    .put("unknownPresent", audit.unknownPresent()).put("unknownAbsent", audit.unknownAbsent());
            return json.put("newLeader", rto.newPrimary());
        }
    }

    private PatroniFailover() {}

    public static Result demo(PatroniRun run, PatroniNode leader, PatroniNode replica, Duration steady) {
        Lab lab = run.lab();
        lab.say("The writes go to " + leader.name() + ", asynchronously replicated (Patroni's default).");
        run.watch(steady);
        var promotion = PromotionWatch.start(replica, lab.startNanos());
        lab.say("Action: the leader's zone fails: Patroni and PostgreSQL are killed and its network is cut at once.");
        lab.command(leader.killCommand());
        long fault = run.now();
        run.ha().link(leader.name()).cut(); // first: the WAL still on its way is lost with the zone, as it would be
        leader.kill();
        run.mark(fault, "zone failure");
        lab.event("Killed node \"" + leader.name() + "\" (Patroni and PostgreSQL) and cut its link");
        lab.say("Observe: writes fail; the leader key still names the dead leader until its lease runs out.");
        long expired = run.mark(run.awaitLeaderKey(fault, EtcdWatch.Change::deleted, "expire").nanos(), "key expired");
        lab.event(String.format(Locale.ROOT, "The leader key expired, %.1f s after the failure", (expired - fault) / 1e9));
        var taken = run.awaitLeaderKey(expired, c -> replica.name().equals(c.value()), "be taken by " + replica.name());
        lab.event("\"" + replica.name() + "\" took the leader key");
        long seen = promotion.await(PROMOTION_TIMEOUT).orElseThrow(() -> new LabException(
                replica.name() + " took the leader key but was not promoted within " + PROMOTION_TIMEOUT.toSeconds() + " s"));
        promotion.close();
        lab.event("\"" + replica.name() + "\" is out of recovery: the new primary");
        run.watchUntil(replica.name() + " acknowledges a write", () -> run.firstOkSentOn(replica.name()).isPresent(),
                Duration.ofSeconds(30));
        // The poll (every 20 ms, later on a busy machine) may see the promotion after a client did: a
        // write the new primary acknowledged was sent on a connection that found it writable already.
        long promoted = run.mark(Math.min(seen, run.firstOkSentOn(replica.name()).orElseThrow()), "promoted");
        run.watch(Duration.ofSeconds(2));
        lab.result(run.ha().list());

        var rto = Failover.measure(run.writes(w -> true), replica.name(), fault, expired, promoted);
        var audit = Audit.on(run.writes(w -> w.doneNanos() < promoted), replica);
        lab.table(rto.phases("leader key expired", "Patroni promotes (key expired -> out of recovery)"));
        lab.result(rto.describe());
        lab.say("The writes of the old leader's time (completed before the promotion), audited on the new primary:");
        lab.table(Report.audit(audit));
        lab.say(audit.lostAcked() == 0
                ? "No acknowledged write was lost: everything had reached the replica before the node died."
                : audit.lostAcked() + " acknowledged writes were lost: their WAL had not crossed the link when it was "
                + "cut. With synchronous_mode: true Patroni names the replica in synchronous_standby_names and only "
                + "promotes a replica that was synchronous: no acknowledged write is lost, at the price of Module 3.");
        return new Result(rto, taken.nanos(), audit);
    }
}
