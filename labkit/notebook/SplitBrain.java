//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import labkit.cluster.LabException;
import labkit.cluster.PatroniLog;
import labkit.cluster.PatroniNode;
import labkit.cluster.PromotionWatch;
import labkit.measure.Audit;
import labkit.measure.Latency;
import labkit.workload.Endpoint;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Workload;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * What fencing is for: only Patroni dies on the leader, its PostgreSQL keeps running. The key
 * expires, the replica is promoted, and nothing stops the old primary: the clients connected to
 * it keep writing there while a second application server, connecting afterwards, writes to the
 * new one. The ledgers count what each primary acknowledged; the audit on the survivor, what the
 * rewind threw away when Patroni came back.
 */
public final class SplitBrain {
    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    /**
     * @param bothPrimarySeconds from the promotion to the old primary's last acknowledged write
     * @param discarded          acknowledged writes of this step absent on the survivor
     * @param discardedAbsentOnOld of those, how many are gone from the old primary too (rewound away)
     */
    public record Result(long writesOnOld, long writesOnNew, double bothPrimarySeconds, long discarded,
                         long discardedAbsentOnOld) {
        public ObjectNode json() {
            return JsonNodeFactory.instance.objectNode().put("writesOnOldPrimary", writesOnOld)
                    .put("writesOnNewPrimary", writesOnNew).put("bothPrimarySeconds", Latency.round(bothPrimarySeconds))
                    .put("discardedOnRejoin", discarded).put("discardedAbsentOnOldPrimary", discardedAbsentOnOld);
        }
    }

    private SplitBrain() {}

    /** @param writes the clients' multi-host URL; a second application server of {@code users} at {@code rate} uses it too */
    public static Result demo(PatroniRun run, PatroniNode leader, PatroniNode replica, Endpoint writes, double rate,
                              int users) {
        Lab lab = run.lab();
        lab.say("""
                Now only Patroni dies on the leader, %s; its PostgreSQL keeps running. The key expires as
                before and %s is promoted. Nothing stops the old primary: Patroni is not there to demote it
                and no watchdog resets its machine. Clients that are connected to it keep writing there;
                clients that connect afterwards find the other primary (the first one in the URL).""".formatted(
                leader.name(), replica.name()));
        run.watch(Duration.ofSeconds(2));
        var promotion = PromotionWatch.start(replica, lab.startNanos());
        lab.command(leader.killPatroniCommand());
        long fault = run.mark("Patroni killed");
        leader.killPatroni();
        lab.event("Killed Patroni on \"" + leader.name() + "\" (its PostgreSQL runs on)");
        run.awaitLeaderKey(fault, c -> replica.name().equals(c.value()), "be taken by " + replica.name());
        long promoted = run.mark(promotion.await(Duration.ofSeconds(60)).orElseThrow(
                () -> new LabException(replica.name() + " was not promoted within 60 s")), "two primaries");
        promotion.close();
        lab.event("\"" + replica.name() + "\" is promoted; \"" + leader.name() + "\" is still a primary");
        lab.show(leader, "SELECT pg_is_in_recovery() AS in_recovery");
        lab.show(replica, "SELECT pg_is_in_recovery() AS in_recovery");
        lab.say("A second application server starts now, with the same URL:");
        var newClients = new Workload(lab.startNanos(), rate, 0, users);
        run.follow(newClients.ledger());
        newClients.start(writes, Endpoint.of(replica));
        run.watch(Duration.ofSeconds(4));

        lab.say("""
                Action: Patroni comes back on %s. It finds the key held by %s, demotes its own server
                (the connected clients are cut off), rewinds it and makes it follow.""".formatted(leader.name(), replica.name()));
        lab.command(leader.startCommand());
        int logFrom = leader.patroniLogMark();
        run.mark("Patroni back");
        leader.start();
        run.ha().awaitStreaming(replica, leader);
        lab.event("\"" + leader.name() + "\" follows \"" + replica.name() + "\" again");
        PatroniLog.story(leader.patroniLogSince(logFrom), 12).forEach(lab::result);
        run.watch(Duration.ofSeconds(2));
        newClients.stop();

        var step = run.writes(w -> w.intendedNanos() >= fault); // from the moment Patroni died on the leader
        long lastOnOld = step.writes().stream().filter(w -> w.outcome() == Outcome.OK && w.node().equals(leader.name()))
                .mapToLong(Ledger.Write::doneNanos).max().orElse(promoted);
        long onOld = step.okOn(leader.name(), promoted, Long.MAX_VALUE);
        long onNew = step.okOn(replica.name(), promoted, lastOnOld);
        lab.table(Table.create("writes acknowledged while both were primaries",
                StringColumn.create("node", leader.name() + " (old primary)", replica.name() + " (promoted)"),
                DoubleColumn.create("acknowledged", onOld, onNew)));
        var audit = Audit.on(step, replica);
        replica.waitForCatchup(leader, CATCH_UP);
        long absentOnOld = Audit.absentOn(leader, audit.lost());
        lab.table(Report.audit(audit));
        lab.say("""
                %d writes were acknowledged by the old primary and are gone: pg_rewind threw them away when it
                rejoined (%d of them absent there too). Patroni's answers: a watchdog (Linux's softdog, or a
                hardware one) that resets the machine when Patroni stops feeding it, before the key can
                expire; or synchronous_mode: true, where the old primary waits for a synchronous standby that
                no longer confirms anything, so its commits hang instead of being acknowledged.""".formatted(
                audit.lostAcked(), absentOnOld));
        return new Result(onOld, onNew, Math.max(0, lastOnOld - promoted) / 1e9, audit.lostAcked(), absentOnOld);
    }
}
