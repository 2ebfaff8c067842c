///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import labkit.cluster.Cluster;
import labkit.cluster.Logical;
import labkit.cluster.MultiLeader;
import labkit.cluster.Node;
import labkit.cluster.ReplayWait;
import labkit.cluster.Sql;
import labkit.measure.Divergence;
import labkit.measure.History;
import labkit.measure.MonotonicReadsProbe;
import labkit.measure.MonotonicReadsProbe.Routing;
import labkit.measure.ReadAfterWriteProbe;
import labkit.measure.ReadAfterWriteProbe.Fix;
import labkit.notebook.AnomalyReport;
import labkit.notebook.Charts;
import labkit.notebook.Checked;
import labkit.notebook.DurationConverter;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.notebook.WorkloadOptions;
import labkit.workload.CustomerRentals;
import labkit.workload.Pagila;
import labkit.workload.Race;
import org.knowm.xchart.internal.chartpart.Chart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "lab06-consistency", mixinStandardHelpOptions = true, version = "pglab 0.1.0", sortOptions = false,
        description = {"Agenda 3: Showing consistency problems.",
                "Clients record every read and write in a history; a checker counts the reads",
                "that miss the client's own write (6.1) or go back in time (6.2), before and",
                "after each fix. Then two writable nodes replicate to each other (6.3).",
                "Results: out/lab06/summary.json, history.jsonl and PNG charts."})
class Lab06 implements Callable<Integer>, Checked {
    /** With --port, 6.3 takes the ports after 6.1's three: five in all. */
    @Mixin LabOptions options = new LabOptions().usingPorts(5);

    @Option(names = "--link-delay", defaultValue = "25ms", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "One-way delay to the standby in another region, and between the two leaders of 6.3. "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration linkDelay;

    @Option(names = "--jitter", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "Random variation of the link delay, ±, at most the --link-delay. Default: 2ms "
                    + "(less on a shorter link: none with --link-delay 0ms).")
    Duration jitter;

    @Option(names = "--probe-time", defaultValue = "5s", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How long each probe (the anomaly, then each fix) runs. Default: ${DEFAULT-VALUE}.")
    Duration probeTime;

    @Option(names = "--clients", defaultValue = "4", paramLabel = "N", description = "Clients (one customer each). Default: ${DEFAULT-VALUE}.")
    int clients;

    @Option(names = "--apply-delay", defaultValue = "300ms", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "6.2: recovery_min_apply_delay of the second standby. Default: ${DEFAULT-VALUE}.")
    Duration applyDelay;

    @Option(names = "--routing-window", defaultValue = "50ms", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "6.1: how long after its own write a client reads from the primary. Default: ${DEFAULT-VALUE}.")
    Duration routingWindow;

    public static void main(String... args) {
        Lab.main(new Lab06(), args);
    }

    /** Each probe needs time for a client's write and its three reads. */
    @Override
    public void check() {
        Checked.require(clients >= 1 && clients <= 100, "--clients", clients, "1 to 100");
        Checked.require(probeTime.toMillis() >= 1000, "--probe-time", probeTime.toMillis() + "ms", "at least 1s");
        jitter = WorkloadOptions.checkedJitter(linkDelay, jitter);
    }

    @Override
    public Integer call() throws Exception {
        var lab = Lab.start("lab06", "Agenda 3: Showing consistency problems", options);
        var summary = lab.summary();
        var histories = new ArrayList<History>();
        var plots = summary.putArray("plots");
        // 6.3's nodes come after these three when --port chose them; else the kit's defaults, or free
        // ports when those are still held (--keep leaves both clusters up)
        Integer leadersPort;
        try (var cluster = lab.cluster()) {
            lab.step("6.0", "A primary, and a standby in another region");
            var primary = cluster.primary("postgres-primary");
            Pagila.loadOnto(primary, options.dataset, options.scale, lab);
            var rentals = CustomerRentals.prepare(primary);
            lab.command(primary.psqlCommand() + " -c \"" + CustomerRentals.INDEX + "\"");
            var standby = cluster.remoteStandby(primary, "postgres-standby", linkDelay, jitter).node();
            leadersPort = options.port == null ? null : primary.port() + 3;
            summary.put("postgresVersion", primary.version());

            lab.step("6.1", "Read-after-write: do clients see their own writes?");
            lab.say("""
                    Each of %d clients owns a customer. It rents a film on the primary, then opens the customer's "my
                    rentals" page on the standby at once, again 100 ms later and 200 ms later. The standby is %d ms
                    away: a page opened at once can miss the rental just made. Every rental and every read goes into a
                    history; the checker counts the reads that miss a rental already acknowledged.""".formatted(
                    clients, linkDelay.toMillis()));
            var raw = new AnomalyReport("Read-after-write: stale reads per fix", AnomalyReport.Anomaly.STALE_READ);
            var probe = new ReadAfterWriteProbe(primary, standby, rentals, new ReadAfterWriteProbe.Settings(clients,
                    probeTime, 3, Duration.ofMillis(100), routingWindow), lab.startNanos());
            raw.add("none", "no fix", probe.run("readAfterWrite.none", Fix.NONE));
            lab.result("For example: " + raw.example("none"));

            lab.say("""
                    (a) An LSN token. Taken inside the writing transaction (INSERT … RETURNING pg_current_wal_lsn(), the
                    WAL written so far), the position is before the transaction's commit record: waiting for it does not
                    help. Read with SELECT pg_current_wal_insert_lsn() after the commit, it covers the commit record; the
                    client then waits on the standby until pg_last_wal_replay_lsn() has reached it (WAIT FOR LSN from 19).""");
            raw.add("lsnTokenBeforeCommit", "LSN inside tx",
                    probe.run("readAfterWrite.lsnTokenBeforeCommit", Fix.LSN_TOKEN_BEFORE_COMMIT));
            raw.add("lsnToken", "LSN token", probe.run("readAfterWrite.lsnToken", Fix.LSN_TOKEN));
            var waitMethod = probe.waitMethod();
            summary.put("lsnTokenWait", waitMethod.toString());
            lab.result(waitMethod == ReplayWait.Method.WAIT_FOR_LSN ? "The clients waited with WAIT FOR LSN."
                    : "WAIT FOR LSN is missing from PostgreSQL " + standby.version() + " (it comes with 19): the clients"
                    + " polled pg_last_wal_replay_lsn().");

            lab.say("""
                    (b) synchronous_commit = remote_apply: the commit returns once the standby has applied it. Only
                    standbys named in synchronous_standby_names count: first without naming it, then named.""");
            raw.add("remoteApplyUnnamed", "remote_apply alone",
                    probe.run("readAfterWrite.remoteApplyUnnamed", Fix.REMOTE_APPLY));
            lab.command(primary.alterSystem("synchronous_standby_names", "'\"" + standby.name() + "\"'"));
            cluster.waitForSyncState(primary, standby, "sync");
            raw.add("remoteApply", "remote_apply, named", probe.run("readAfterWrite.remoteApply", Fix.REMOTE_APPLY));
            lab.command(primary.alterSystem("synchronous_standby_names", "''"));
            cluster.waitForSyncState(primary, standby, "async");

            lab.say("""
                    (c) Read-your-writes routing: for %d ms after its own write a client reads from the primary.
                    It works if the standby has caught up by the time reads go back to it; the primary serves the rest."""
                    .formatted(routingWindow.toMillis()));
            raw.add("routing", "routing", probe.run("readAfterWrite.routing", Fix.ROUTING));
            lab.table(raw.table());
            summary.set("readAfterWrite", raw.json());
            plots.add(save(lab, raw.chart(), "read-after-write.png"));

            lab.step("6.2", "Monotonic reads: two standbys, one further behind");
            var far = cluster.standbyFrom(primary, "postgres-standby2");
            cluster.waitForStreaming(primary, far);
            lab.command(far.alterSystem("recovery_min_apply_delay", "'" + applyDelay.toMillis() + "ms'"));
            lab.say("""
                    The second standby applies each commit %d ms after it was made. One writer rents films for %d
                    customers in turn; each of %d readers refreshes one customer's page every 50 ms through a load
                    balancer that alternates between the standbys. A read that shows an older newest rental than the
                    reader saw before goes back in time.""".formatted(applyDelay.toMillis(), clients, clients));
            var mono = new AnomalyReport("Monotonic reads: reads back in time per routing",
                    AnomalyReport.Anomaly.NON_MONOTONIC_READ);
            var readers = new MonotonicReadsProbe(primary, List.of(standby, far), rentals,
                    new MonotonicReadsProbe.Settings(clients, probeTime, Duration.ofMillis(25), Duration.ofMillis(50)),
                    lab.startNanos());
            mono.add("none", "load balancer", readers.run("monotonicReads.none", Routing.BALANCED));
            lab.result("For example: " + mono.example("none"));
            lab.say("""
                    Fixes: a sticky session (each reader always on the same standby), and a high-water mark: each
                    reader keeps the highest WAL position it has seen and reads only from a standby that has replayed
                    as much (pg_last_wal_replay_lsn()), else from another, else from the primary.""");
            mono.add("sticky", "sticky session", readers.run("monotonicReads.sticky", Routing.STICKY));
            mono.add("lsnHighWater", "LSN high-water", readers.run("monotonicReads.lsnHighWater", Routing.LSN_HIGH_WATER));
            lab.table(mono.table());
            lab.result("Reads per node with the high-water mark: " + mono.json().path("lsnHighWater").path("readsByNode"));
            summary.set("monotonicReads", mono.json());
            plots.add(save(lab, mono.chart(), "monotonic-reads.png"));
            histories.addAll(raw.histories());
            histories.addAll(mono.histories());
        }
        History.writeJsonLines(lab.out().resolve("history.jsonl"), histories);
        summary.put("history", "history.jsonl");

        lab.step("6.3", "Multi-leader: two writable nodes replicating to each other");
        lab.say("Two leaders that replicate to each other need PostgreSQL 16 or newer (origin = none).");
        try (var cluster = Cluster.create(lab.clusterOptions().part("leaders", leadersPort).withMinimumMajor(16), lab)) {
            var multi = summary.putObject("multiLeader");
            var leaders = MultiLeader.create(cluster, lab, "postgres-primary", "postgres-standby", """
                    CREATE TABLE account (id int PRIMARY KEY, owner text NOT NULL);
                    INSERT INTO account SELECT g, 'nobody' FROM generate_series(1, 100) g;
                    CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL);
                    INSERT INTO counter VALUES (1, 0);
                    CREATE TABLE signup (email text PRIMARY KEY, node text NOT NULL)""",
                    List.of("account", "counter", "signup"), linkDelay, jitter);
            var east = leaders.first();
            var west = leaders.second();
            multi.put("postgresVersion", east.version());
            lab.say("""
                    The second node started as a copy of the first and was promoted: both hold the same rows and
                    accept writes. Each subscribes to the other's publication, over a link of %d ms, with origin =
                    none: it takes only the changes made on the other node, not those the other node received from
                    it, so a change does not come back to where it was made.""".formatted(linkDelay.toMillis()));

            lab.command(sqlOn(east, "INSERT INTO signup VALUES ('once@example.org', '" + east.name() + "')"));
            leaders.settle();
            var once = multi.putObject("replicatesOnce");
            var rows = once.putObject("rows");
            long applyErrors = 0;
            for (Node node : leaders.nodes()) {
                rows.put(node.name(), Sql.count(node, "signup"));
                applyErrors += Logical.applyErrors(node, leaders.subscriptionOn(node));
            }
            once.put("applyErrors", applyErrors);
            lab.result("A signup made on " + east.name() + ": rows on each node " + rows + ", apply errors " + applyErrors
                    + (applyErrors == 0 && rows.path(west.name()).asLong() == 1 ? ": it came over once and did not come back." : "."));

            lab.say("""
                    The link between the regions goes down for a moment (both subscriptions paused); each node goes on
                    taking writes. Both update the same 100 rows, each with its own value; then the link comes back.""");
            leaders.pause();
            for (Node node : leaders.nodes()) {
                lab.command(sqlOn(node, "UPDATE account SET owner = 'set on " + node.name() + "'"));
            }
            leaders.resume();
            leaders.settle();
            var diverged = Divergence.of(east, west, "SELECT id, owner FROM account ORDER BY id");
            var sameRow = multi.putObject("sameRowUpdates").put("rows", diverged.rows()).put("divergedRows", diverged.differing())
                    .put("example", diverged.examples().isEmpty() ? null : diverged.examples().get(0));
            lab.result(diverged.differing() + " of " + diverged.rows() + " rows differ between the nodes" + (diverged.differing() > 0
                    ? ": each node applied the other's update after its own, e.g. " + diverged.examples().get(0) + "." : "."));

            lab.say("With the link up, both nodes add 1 to the same counter, 500 times each, at the same moment.");
            int increments = 500;
            Race.run(leaders.nodes(), increments, (node, i) -> "UPDATE counter SET n = n + 1 WHERE id = 1");
            leaders.settle();
            long finalEast = Long.parseLong(Sql.scalar(east, "SELECT n FROM counter"));
            long finalWest = Long.parseLong(Sql.scalar(west, "SELECT n FROM counter"));
            var counter = multi.putObject("counter").put("increments", 2 * increments)
                    .put("final", Math.max(finalEast, finalWest)); // the most any node kept
            counter.putObject("finalByNode").put(east.name(), finalEast).put(west.name(), finalWest);
            lab.result(String.format("%d increments on each node, %d in all: the counter ends at %d on %s and %d on %s.",
                    increments, 2 * increments, finalEast, east.name(), finalWest, west.name())
                    + (Math.max(finalEast, finalWest) < 2 * increments ? " A replicated update carries the new row, not"
                    + " the increment: racing updates overwrote each other." : ""));

            lab.say("The link goes down once more: the same email signs up on both nodes, each in a transaction that also"
                    + " changes account 1.");
            leaders.pause();
            for (Node node : leaders.nodes()) {
                lab.command(sqlOn(node, "BEGIN; INSERT INTO signup VALUES ('ada@example.org', '" + node.name()
                        + "'); UPDATE account SET owner = 'ada via " + node.name() + "' WHERE id = 1; COMMIT"));
            }
            leaders.resume();
            var duplicate = multi.putObject("duplicateKey");
            var errors = duplicate.putObject("applyErrorByNode");
            for (Node node : leaders.nodes()) {
                errors.put(node.name(), leaders.skipFailedTransaction(node).line());
            }
            duplicate.put("applyError", errors.path(east.name()).asText());
            leaders.settle();
            var lost = Divergence.of(east, west, "SELECT email, node FROM signup ORDER BY email");
            var account1 = Divergence.of(east, west, "SELECT id, owner FROM account WHERE id = 1");
            duplicate.put("divergedSignups", lost.differing()).put("accountOneDiffers", account1.differing() > 0);
            lab.result("After skipping, " + lost.differing() + " signup and " + account1.differing() + " account row differ: "
                    + String.join("; ", lost.examples()) + "; " + String.join("; ", account1.examples())
                    + ". SKIP threw away the other node's whole transaction, the account change with it.");
            var still = Divergence.of(east, west, "SELECT id, owner FROM account WHERE id > 1 ORDER BY id");
            sameRow.put("stillDivergedAtEnd", still.differing());
            lab.result(still.differing() + " of the other " + still.rows() + " rows updated on both nodes still differ at the end: "
                    + "nothing brings them back together.");

            var counts = leaders.conflictCounts();
            multi.putPOJO("conflictCounters", counts);
            lab.show(east, "SELECT * FROM pg_stat_subscription_stats");
            lab.say((counts.get(east.name()) == null ? "PostgreSQL " + east.version() + " counts only apply errors; from 18 on"
                    + " each conflict is logged and counted too.\n" : "") + """
                    Core PostgreSQL detects conflicts, but does not resolve them: the last change applied wins on each
                    node, a duplicate key stops replication until someone skips a transaction. Keeping two leaders
                    consistent is left to the application: give each row one home node, or make writes that commute
                    (no n = n + 1 on a shared row), or use keys that cannot collide.""");
        }
        summary.putObject("settings").put("configuredLinkDelayMs", linkDelay.toMillis())
                .put("configuredJitterMs", jitter.toMillis()).put("configuredApplyDelayMs", applyDelay.toMillis())
                .put("configuredRoutingWindowMs", routingWindow.toMillis()).put("configuredProbeSeconds", probeTime.toMillis() / 1000.0)
                .put("configuredClients", clients);
        lab.writeSummary();
        return 0;
    }

    /** Runs {@code sql} on {@code node}; returns it as psql would show it, after the node's prompt. */
    private static String sqlOn(Node node, String sql) {
        Sql.exec(node, sql);
        return node.name() + "=# " + sql;
    }

    private static String save(Lab lab, Chart<?, ?> chart, String file) {
        Charts.save(chart, lab.out().resolve(file));
        return file;
    }
}
