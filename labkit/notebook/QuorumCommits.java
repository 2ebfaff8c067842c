//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.notebook;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import labkit.cluster.CommitProbe;
import labkit.cluster.PatroniConfig;
import labkit.cluster.PatroniNode;
import labkit.cluster.Sql;
import labkit.cluster.Wait;
import labkit.measure.Latency;

/**
 * Quorum commits, the agenda's "writes accepted and rejected when required nodes are
 * unavailable": a third node joins, each commit waits for ANY 1 of the two standbys; one standby
 * stops and commits go on, the other stops too and commits wait. A probe session shows that
 * statement_timeout does not end that wait and what pg_cancel_backend tells the client.
 */
public final class QuorumCommits {
    private static final String WAITING_SESSIONS = "SELECT coalesce(wait_event, '-') AS wait_event, count(*) AS sessions "
            + "FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() GROUP BY 1 ORDER BY 2 DESC";
    private static final String REPLICATION = "SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1";

    /**
     * @param okOneDown      writes acknowledged while one standby was down
     * @param stalledSeconds whole seconds without an acknowledged write while both were down
     * @param syncRepWaiting client sessions waiting in SyncRep then
     */
    public record Result(String names, long okOneDown, double oneDownSeconds, long stalledSeconds,
                         double bothDownSeconds, long syncRepWaiting, boolean statementTimeoutEnded, String cancelWarning) {
        public ObjectNode json() {
            var json = JsonNodeFactory.instance.objectNode().put("configuredSynchronousStandbyNames", names);
            json.putObject("oneDown").put("okDuringOutage", okOneDown).put("seconds", Latency.round(oneDownSeconds));
            json.putObject("bothDown").put("stalledSeconds", stalledSeconds).put("seconds", Latency.round(bothDownSeconds))
                    .put("syncRepWaiting", syncRepWaiting).put("statementTimeoutEndedTheWait", statementTimeoutEnded)
                    .put("cancelWarning", cancelWarning);
            return json;
        }
    }

    private QuorumCommits() {}

    /** @param third the name of the node that joins as the second standby */
    public static Result demo(PatroniRun run, PatroniNode primary, PatroniNode standby, String third, Duration linkDelay,
                              Duration jitter) {
        Lab lab = run.lab();
        var ha = run.ha();
        lab.say("""
                A third node joins. Commits now wait for ANY 1 of the two standbys: either may fail without
                stopping writes. Patroni 3's synchronous_mode waits for a fixed list, FIRST n (n is
                synchronous_node_count, 1 by default); the quorum form, ANY n (synchronous_mode: quorum), came
                with Patroni 4.0. So the lab sets the parameter itself, through Patroni's configuration in etcd,
                with synchronous_mode off.""");
        var standby2 = ha.start(third, Map.of());
        ha.link(third).delay(linkDelay, jitter);
        ha.awaitStreaming(primary, standby2);
        String names = "ANY 1 (\"" + standby.name() + "\", \"" + standby2.name() + "\")";
        lab.command("curl -s -XPATCH -d '{\"postgresql\":{\"parameters\":{\"synchronous_standby_names\":\""
                + names.replace("\"", "\\\"") + "\"}}}' " + primary.rest().url("/config"));
        ha.configure(PatroniConfig.parameter("synchronous_standby_names", names));
        for (var s : List.of(standby, standby2)) {
            Wait.until(s.name() + " is a quorum standby", primary, "SELECT sync_state FROM pg_stat_replication "
                    + "WHERE application_name = '" + s.name() + "'", "quorum", Duration.ofSeconds(30));
        }
        run.mark("ANY 1");
        Sql.exec(primary, "CREATE TABLE quorum_probe (t timestamptz)"); // now, while a commit can still be confirmed
        lab.show(primary, REPLICATION);
        run.watch(Duration.ofSeconds(3));

        lab.say("Action: stop " + standby2.name() + ". Observe: commits go on, confirmed by the other standby.");
        long oneDown = run.stop(standby2, "one standby down");
        run.watch(Duration.ofSeconds(4));
        lab.show(primary, REPLICATION);

        lab.say("Action: stop " + standby.name() + " too. Observe: no standby can confirm; commits wait.");
        long bothDown = run.stop(standby, "both down");
        run.watch(Duration.ofSeconds(2));
        var waiting = lab.show(primary, WAITING_SESSIONS);
        long syncRep = (long) waiting.where(waiting.stringColumn("wait_event").isEqualTo("SyncRep"))
                .longColumn("sessions").sum();
        lab.say("A session with statement_timeout = '1s' writes one row:");
        lab.command(primary.psqlCommand() + " -c \"SET statement_timeout = '1s'\" -c \"INSERT INTO quorum_probe VALUES (now())\"");
        var probe = CommitProbe.start(primary, "quorum_probe", Duration.ofSeconds(1));
        run.watch(Duration.ofSeconds(2));
        boolean stillWaiting = "SyncRep".equals(probe.waitEvent());
        lab.result(stillWaiting ? "After 2 s it still waits: statement_timeout does not end a wait for a standby."
                : "It no longer waits: " + probe.answer(Duration.ZERO));
        lab.command(primary.psqlCommand() + " -c \"" + CommitProbe.cancelSql() + "\"");
        probe.cancel();
        String warning = Objects.requireNonNullElse(probe.answer(Duration.ofSeconds(10)), "(no answer within 10 s)");
        lab.result("The probe's session was told: " + warning);
        run.watch(Duration.ofSeconds(1));

        lab.say("Action: start " + standby.name() + " again: it confirms, the waiting commits return.");
        lab.command(standby.startCommand());
        long up = run.mark(standby.name() + " starts");
        standby.start();
        lab.event("Started \"" + standby.name() + "\"");
        run.watch(Duration.ofSeconds(3));
        ha.configure(PatroniConfig.parameter("synchronous_standby_names", null));
        lab.event("synchronous_standby_names reset (asynchronous again)");

        var all = run.writes(w -> true);
        return new Result(names, all.okOn(null, oneDown, bothDown), (bothDown - oneDown) / 1e9,
                all.stalledSeconds(bothDown, up), (up - bothDown) / 1e9, syncRep, !stillWaiting, warning);
    }
}
