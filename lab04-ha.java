///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/*.java
//DEPS info.picocli:picocli:4.7.7
//DEPS tech.tablesaw:tablesaw-core:0.44.4

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import labkit.Audit;
import labkit.Charts;
import labkit.Charts.Event;
import labkit.Charts.Series;
import labkit.Cluster;
import labkit.DurationConverter;
import labkit.LabException;
import labkit.LagSampler;
import labkit.Lab;
import labkit.LabOptions;
import labkit.Latency;
import labkit.Ledger;
import labkit.LoadDriver;
import labkit.Monitor;
import labkit.Node;
import labkit.NodeRuntime;
import labkit.Report;
import labkit.ServerLog;
import labkit.Sql;
import labkit.Timeline;
import labkit.Wait;
import labkit.WorkloadOptions;
import org.knowm.xchart.XYChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

@Command(name = "lab04-ha", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Module 4: High Availability Demos (Reacting to Failure).",
                "4.1 stops the standby for --outage while writes go on, in sync mode (writes stall) and in async",
                "mode (writes go on), restarts it and measures its catch-up. 4.2 stops the primary, promotes the",
                "standby, re-routes the writes and measures the RTO, then brings the old primary back as a follower",
                "with pg_rewind and checks both hold the same data. Results: out/lab04/summary.json, CSV and PNG charts."})
class Lab04 implements Callable<Integer> {
    /** Steady workload before each fault, so that the charts show the normal rate first. */
    private static final Duration STEADY = Duration.ofSeconds(4);
    /** The lab declares the primary down after this many failed health checks, one a second, in a row. */
    private static final int HEALTH_CHECKS = 3;
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(100);

    @Mixin LabOptions options;
    @Mixin WorkloadOptions load;

    @Option(names = "--outage", defaultValue = "30s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long the standby stays down in 4.1 (each mode). Default: ${DEFAULT-VALUE}.")
    Duration outage;

    public static void main(String... args) {
        Lab.main(new Lab04(), args);
    }

    /** What one follower outage showed (times in seconds on the lab clock). */
    private record Outage(LoadDriver.Results results, LagSampler lag, double down, double up,
                          long syncRepWaiting, double catchUpSeconds, long missedWalBytes, Audit.Result audit) {
        long okDuringOutage() {
            return results.ledger().writes().stream().filter(w -> w.outcome() == Ledger.Outcome.OK
                    && w.doneNanos() > nanos(down) && w.doneNanos() < nanos(up)).count();
        }

        /** Whole seconds inside the outage in which no write was acknowledged. */
        long stalledSeconds() {
            var ok = results.ledger().perSecond().intColumn("ok");
            long stalled = 0;
            for (int s = (int) Math.ceil(down); s + 1 <= up; s++) {
                if (s >= ok.size() || ok.getInt(s) == 0) {
                    stalled++;
                }
            }
            return stalled;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (outage.toMillis() < 1000) {
            throw new LabException("--outage must be at least 1s");
        }
        var lab = Lab.start("lab04", "Module 4: High Availability Demos (Reacting to Failure)", options);
        var summary = lab.summary();
        var events = new ArrayList<Event>();
        try (var cluster = Cluster.create(lab)) {
            summary.put("runtime", cluster.runtime());

            lab.step("4.0", "The cluster of Module 2, with the standby in another region");
            lab.say("""
                    postgres-standby streams from postgres-primary through a link that delays each packet by %d ms
                    each way (±%d ms). New rentals arrive at %.0f writes per second on a fixed schedule, whatever the
                    servers do; customers browse films on the standby."""
                    .formatted(load.linkDelay.toMillis(), load.jitter.toMillis(), load.rate));
            var primary = cluster.primaryWithPagila("postgres-primary");
            var standby = cluster.remoteStandby(primary, "postgres-standby", load.linkDelay, load.jitter).node();

            lab.step("4.1", "Demo: Follower Failure (Catch-up Recovery), in Sync mode");
            lab.say("""
                    First the primary waits at every commit for postgres-standby (Module 3). A name with a hyphen is
                    double-quoted inside the setting. A reload is enough.""");
            syncStandby(lab, primary, standby, "'\"" + standby.name() + "\"'", "sync");
            var sync = followerOutage(lab, cluster, primary, standby, "sync", events);

            lab.step("4.1", "Demo: Follower Failure (Catch-up Recovery), in Async mode");
            lab.say("""
                    The same outage with the default, asynchronous replication: the primary no longer waits for
                    anyone.""");
            syncStandby(lab, primary, standby, "''", "async");
            var async = followerOutage(lab, cluster, primary, standby, "async", events);

            lab.step("4.2", "Demo: Leader Failure (Manual Failover)");
            lab.say("""
                    Writes go to postgres-primary again (async, the usual setting). Now the primary goes away.""");
            var workload = load.builtin(lab);
            workload.start(primary, standby);
            double began = lab.elapsed();
            var lag = LagSampler.start(lab, primary, standby, SAMPLE_EVERY);
            var monitor = new Monitor(lab, workload.ledger(), lag);
            monitor.watch(STEADY);
            lab.say("Action: stop postgres-primary.");
            lab.command(byRuntime(cluster, "docker compose stop postgres-primary",
                    "pg_ctl stop -m fast -D <data dir of postgres-primary>"));
            events.add(new Event(lab.elapsed(), "primary stopped"));
            primary.stop();
            lab.event("Stopped node \"" + primary.name() + "\"");
            lab.say("""
                    Observe: every write fails. The standby still serves reads but refuses writes: the cluster is
                    read-only. Nobody promotes it by itself: PostgreSQL has no built-in failover.""");
            lab.command(standby.psqlCommand() + " -c \"CREATE TABLE failover_probe (id int)\"");
            lab.result(refusal(standby, "CREATE TABLE failover_probe (id int)"));
            lab.say("""
                    The lab plays the monitoring system: it checks the primary once a second and declares it down
                    after %d failed checks in a row (a check that fails once may be a network blip).""".formatted(HEALTH_CHECKS));
            detectDown(lab, monitor, primary);

            lab.say("""
                    Action: promote postgres-standby. It finishes replaying the WAL it has, leaves recovery, starts a
                    new timeline and accepts writes.""");
            lab.command(byRuntime(cluster, "docker compose exec -u postgres postgres-standby pg_ctl promote",
                    "pg_ctl promote -D <data dir of postgres-standby>") + "    (or, in SQL: SELECT pg_promote();)");
            double promoteStart = lab.elapsed();
            standby.promote();
            double promoted = lab.elapsed();
            events.add(new Event(promoted, "promoted"));
            lab.event("Promoted node \"" + standby.name() + "\"");
            lab.show(standby, "SELECT pg_is_in_recovery(), current_setting('cluster_name') AS cluster_name, "
                    + "pg_walfile_name(pg_current_wal_lsn()) AS wal_file");
            String newPrimary = Sql.scalar(standby, "SELECT current_setting('cluster_name')");
            lab.say("""
                    The WAL file name begins with the timeline: 00000002 after the promotion. Action: re-route the
                    writes to the new primary (in k6: a new connection string, and run it again).""");
            workload.reroute(standby);
            events.add(new Event(lab.elapsed(), "re-routed"));
            lab.event("Writes re-routed to \"" + standby.name() + "\"");
            monitor.watch(Duration.ofSeconds(3));
            lag.close();

            var ledger = workload.ledger();
            var firstFailure = ledger.firstFailure()
                    .orElseThrow(() -> new LabException("no write failed after the primary stopped: raise --rate"));
            var firstOk = ledger.firstOkAfter(nanos(promoted))
                    .orElseThrow(() -> new LabException("no write succeeded on the new primary within 3 s"));
            double rtoMs = (firstOk.doneNanos() - firstFailure.doneNanos()) / 1e6;
            double detectMs = (nanos(promoteStart) - firstFailure.doneNanos()) / 1e6;
            double promoteMs = (promoted - promoteStart) * 1000;
            double rerouteMs = (firstOk.doneNanos() - nanos(promoted)) / 1e6;
            lab.table(rtoTable(firstFailure.doneNanos(), nanos(promoteStart), nanos(promoted), firstOk.doneNanos()));
            lab.result(String.format(Locale.ROOT, "RTO: %.0f ms without writes, from the first failed write to the first "
                    + "acknowledged write on %s.", rtoMs, firstOk.node()));

            lab.step("4.2", "Bring the Old Primary Back as a Follower");
            lab.say("""
                    postgres-primary cannot simply start again: it would be a second primary (split brain). It must
                    follow the new timeline. pg_rewind first undoes whatever it wrote after the fork point that the
                    new primary never got (none after a clean stop: the primary sends all its WAL before it shuts
                    down; after a crash there can be some), copying those blocks from the new primary. Then it
                    starts as a standby streaming from postgres-standby.""");
            String timeline = Sql.scalar(standby, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)");
            lab.show(standby, "SELECT pg_read_file('pg_wal/" + timeline + ".history') AS timeline_history");
            lab.command(byRuntime(cluster,
                    "docker compose run --rm postgres-primary pg_rewind -D \"$PGDATA\" "
                            + "--source-server=\"host=postgres-standby user=postgres dbname=pagila\"",
                    "pg_rewind -D <data dir of postgres-primary> --source-server=\"host=127.0.0.1 port=" + standby.port()
                            + " user=postgres dbname=pagila\""));
            lab.command("touch <data dir>/standby.signal; primary_conninfo = '... application_name=" + primary.name()
                    + "' in postgresql.auto.conf; start postgres-primary");
            var backLink = cluster.link(standby).delay(load.linkDelay, load.jitter);
            cluster.nodeRuntime().rejoinAsStandby(primary, standby,
                    new NodeRuntime.Endpoint(cluster.nodeRuntime().hostSeenFromNodes(), backLink.port()), true);
            events.add(new Event(lab.elapsed(), "rejoined"));
            lab.event("Rewound \"" + primary.name() + "\" and started it as a standby of \"" + standby.name() + "\"");
            var rejoinLag = LagSampler.start(lab, standby, primary, SAMPLE_EVERY);
            cluster.waitForStreaming(standby, primary);
            var replication = lab.show(standby, "SELECT application_name, state, sync_state FROM pg_stat_replication");
            String oldPrimaryState = replication.where(replication.stringColumn("application_name")
                    .isEqualTo(primary.name())).stringColumn("state").get(0);
            lab.say("Its log: recovery, then streaming from the new primary on the new timeline.");
            ServerLog.storyFrom(primary, "shutdown request", 15).forEach(lab::result);

            waitForBacklog(lab, monitor, ledger, began);
            var failover = workload.stop();
            standby.waitForCatchup(primary, Duration.ofSeconds(60));
            rejoinLag.close();
            var failoverAudit = Audit.on(failover.ledger(), standby);
            lab.table(Report.audit(failoverAudit));
            lab.say("Both nodes, row by row (the keys of every write, hashed in order):");
            lab.command(standby.psqlCommand() + " -c \"" + FINGERPRINT + "\"");
            var data = Sql.query(standby, FINGERPRINT).append(Sql.query(primary, FINGERPRINT));
            lab.table(data);
            boolean dataEqual = data.rejectColumns("node").dropDuplicateRows().rowCount() == 1;

            lab.step("Outcome", "Catch-up recovery and failover");
            lab.result(String.format(Locale.ROOT, """
                            Follower down for %d s: sync mode stalled writes for %d whole seconds (%d commits waiting on \
                            SyncRep), async mode went on (%d writes acknowledged meanwhile). Catch-up after the outage: \
                            %.1f s (sync), %.1f s (async, %,d kB of WAL missed). Acknowledged writes lost: %d.""",
                    outage.toSeconds(), sync.stalledSeconds(), sync.syncRepWaiting(), async.okDuringOutage(),
                    sync.catchUpSeconds(), async.catchUpSeconds(), async.missedWalBytes() / 1024,
                    sync.audit().lostAcked() + async.audit().lostAcked()));
            lab.result(String.format(Locale.ROOT, """
                            Leader down: %s promoted, RTO %.0f ms (detect %.0f, promote %.0f, re-route %.0f). \
                            Acknowledged writes lost: %d. The old primary follows the new one (%s), same data: %s.""",
                    newPrimary, rtoMs, detectMs, promoteMs, rerouteMs, failoverAudit.lostAcked(), oldPrimaryState,
                    dataEqual ? "yes" : "NO"));
            lab.say("""
                    A follower heals itself: it reconnects and replays what it missed, nothing is lost. But in sync
                    mode a single standby is a single point of failure for writes: with one standby, either have
                    two (synchronous_standby_names = 'ANY 1 (a, b)') or accept async. A leader does not heal itself:
                    someone (or a tool such as Patroni) must detect the failure, promote a standby and move the
                    clients, and most of the RTO is the detection.""");

            var followers = summary.putObject("followerFailure");
            followers.put("outageSeconds", outage.toMillis() / 1000.0);
            followers.set("sync", outageJson(sync));
            followers.set("async", outageJson(async));
            followers.put("catchUpSeconds", round(async.catchUpSeconds()));
            followers.put("lostAcked", sync.audit().lostAcked() + async.audit().lostAcked());
            var fo = summary.putObject("failover");
            fo.put("newPrimary", newPrimary);
            fo.put("rtoMs", round(rtoMs));
            fo.putObject("rtoPhasesMs").put("detect", round(detectMs)).put("promote", round(promoteMs))
                    .put("reroute", round(rerouteMs));
            fo.put("healthChecks", HEALTH_CHECKS);
            Report.writes(fo, failover.ledger());
            fo.put("lostAcked", failoverAudit.lostAcked()).put("unknownPresent", failoverAudit.unknownPresent())
                    .put("unknownAbsent", failoverAudit.unknownAbsent());
            fo.put("timeline", Integer.parseInt(timeline, 16));
            fo.put("rewind", true);
            fo.put("oldPrimaryState", oldPrimaryState);
            fo.put("dataEqual", dataEqual);
            fo.put("rows", data.longColumn("pglab_write").get(0));
            summary.putObject("settings").put("rate", load.rate).put("readRate", load.readRate)
                    .put("linkDelayMs", load.linkDelay.toMillis()).put("jitterMs", load.jitter.toMillis())
                    .put("outageSeconds", outage.toMillis() / 1000.0);
            summary.put("postgresVersion", standby.version());

            var all = merge(List.of(sync.results(), async.results(), failover));
            var perSecond = Timeline.perSecond(all);
            Report.csv(perSecond, lab.out().resolve("per-second.csv"));
            all.ledger().writeCsv(lab.out().resolve("writes.csv"));
            Report.csv(lagTable(List.of(sync.lag(), async.lag(), rejoinLag), List.of("sync", "async", "rejoin")),
                    lab.out().resolve("lag.csv"));
            var plots = summary.putArray("plots");
            plots.add(save(lab, Charts.throughput(all.ledger(), events), "throughput.png"));
            plots.add(save(lab, catchUpChart(List.of(
                    behind("standby, sync mode", sync.lag()), behind("standby, async mode", async.lag()),
                    behind("old primary, rejoining", rejoinLag)), events), "catch-up.png"));
            plots.add(save(lab, Charts.latencyPerSecond(List.of(Timeline.percentiles(perSecond, "write")), events),
                    "latency.png"));
        }
        lab.writeSummary();
        return 0;
    }

    /** 4.1 in one mode: stop the standby under load, start it after the outage, measure its catch-up, audit. */
    private Outage followerOutage(Lab lab, Cluster cluster, Node primary, Node standby, String mode, List<Event> events) {
        var workload = load.builtin(lab);
        workload.start(primary, standby);
        double began = lab.elapsed();
        var lag = LagSampler.start(lab, primary, standby, SAMPLE_EVERY);
        var monitor = new Monitor(lab, workload.ledger(), lag);
        monitor.watch(STEADY);

        lab.say("Action: stop postgres-standby (a clean, fast shutdown).");
        lab.command(byRuntime(cluster, "docker compose stop postgres-standby",
                "pg_ctl stop -m fast -D <data dir of postgres-standby>"));
        String replayedBeforeStop = standby.lsn();
        standby.stop();
        double down = lab.elapsed();
        events.add(new Event(down, "standby stopped (" + mode + ")"));
        lab.event("Stopped node \"" + standby.name() + "\"");
        lab.say(mode.equals("sync") ? """
                Observe: writes stall. Each commit is on the primary's disk but waits for a confirmation that
                cannot come; the clients hang, and new arrivals queue behind them."""
                : """
                Observe: writes go on. The primary keeps the WAL the standby has not received (its replication
                slot holds it), so that the standby can catch up later.""");
        Duration look = Duration.ofMillis(Math.min(3000, outage.toMillis() / 2));
        monitor.watch(look);
        lab.say("On the primary, what its client sessions are waiting for (SyncRep: a commit waiting for the standby):");
        var sessions = lab.show(primary, "SELECT coalesce(wait_event, '-') AS wait_event, state, count(*) AS sessions "
                + "FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() "
                + "GROUP BY 1, 2 ORDER BY 3 DESC");
        long syncRepWaiting = (long) sessions.where(sessions.stringColumn("wait_event").isEqualTo("SyncRep"))
                .longColumn("sessions").sum();
        if (syncRepWaiting > 0) {
            lab.show(primary, "SELECT pid, wait_event, now() - xact_start AS waiting_for, left(query, 50) AS query "
                    + "FROM pg_stat_activity WHERE wait_event = 'SyncRep' ORDER BY xact_start LIMIT 3");
        }
        monitor.watch(Duration.ofMillis(Math.max(0, Math.round((down + outage.toMillis() / 1000.0 - lab.elapsed()) * 1000))));

        lab.say("Action: start postgres-standby again, after " + outage.toSeconds() + " s.");
        lab.command(byRuntime(cluster, "docker compose start postgres-standby",
                "pg_ctl start -D <data dir of postgres-standby>"));
        String target = primary.lsn();
        double up = lab.elapsed();
        events.add(new Event(up, "standby started (" + mode + ")"));
        standby.start();
        lab.event("Started node \"" + standby.name() + "\"");
        Wait.until("postgres-standby replays up to " + target + " (the primary's position when it started)", standby,
                "SELECT pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn", "t", Duration.ofMinutes(5));
        double catchUp = lab.elapsed() - up;
        long missed = Long.parseLong(Sql.scalar(primary,
                "SELECT pg_wal_lsn_diff('" + target + "', '" + replayedBeforeStop + "')::bigint"));
        lab.result(String.format(Locale.ROOT, "Caught up in %.1f s: %,d kB of WAL replayed to reach the primary's "
                + "position at the restart.", catchUp, missed / 1024));
        lab.say("Observe the standby's log: it recovers to a consistent state, reconnects and streams what it missed.");
        lab.command(byRuntime(cluster, "docker compose logs postgres-standby",
                "less out/lab04/logs/postgres-standby.log    (kept there after the run)"));
        ServerLog.storyFrom(standby, "shutdown request", 15).forEach(lab::result);
        monitor.watch(Duration.ofSeconds(2));
        waitForBacklog(lab, monitor, workload.ledger(), began);
        var results = workload.stop();
        lag.close();
        primary.waitForCatchup(standby, Duration.ofSeconds(60));
        var audit = Audit.on(results.ledger(), standby);
        lab.table(Report.audit(audit));
        lab.say(audit.lostAcked() == 0 ? "No acknowledged write is missing on the standby: it healed itself."
                : audit.lostAcked() + " acknowledged writes are missing on the standby.");
        return new Outage(results, lag, down, up, syncRepWaiting, catchUp, missed, audit);
    }

    /** Sets synchronous_standby_names on the primary and waits until the standby has the expected sync_state. */
    private static void syncStandby(Lab lab, Node primary, Node standby, String quotedNames, String expected) {
        lab.command(primary.psqlCommand() + " -c \"ALTER SYSTEM SET synchronous_standby_names = "
                + quotedNames.replace("\"", "\\\"") + "\" -c \"SELECT pg_reload_conf()\"");
        primary.appendConf("synchronous_standby_names = " + quotedNames);
        primary.reload();
        Wait.until("postgres-standby is " + expected, primary, "SELECT sync_state FROM pg_stat_replication "
                + "WHERE application_name = '" + standby.name() + "'", expected, Duration.ofSeconds(30));
        lab.show(primary, "SELECT application_name, state, sync_state FROM pg_stat_replication");
    }

    /** The lab's health check: one a second, until {@link #HEALTH_CHECKS} in a row have failed. */
    private static void detectDown(Lab lab, Monitor monitor, Node primary) {
        int failed = 0;
        for (int check = 1; failed < HEALTH_CHECKS; check++) {
            if (check > 60) {
                throw new LabException(primary.name() + " still answers health checks a minute after it was stopped");
            }
            monitor.watch(Duration.ofSeconds(1));
            try (var c = primary.connect(); var st = c.createStatement()) {
                st.execute("SELECT 1");
                failed = 0;
                lab.result("health check of " + primary.name() + ": ok");
            } catch (SQLException e) {
                failed++;
                lab.result("health check of " + primary.name() + ": FAILED (" + firstLine(e) + ") " + failed + "/"
                        + HEALTH_CHECKS);
            }
        }
        lab.event("Declared \"" + primary.name() + "\" down");
    }

    /** Runs a write that a standby must refuse, and returns its error. */
    private static String refusal(Node standby, String sql) {
        try {
            Sql.exec(standby, sql);
        } catch (LabException e) {
            return e.getCause() instanceof SQLException s ? "ERROR: " + firstLine(s) : e.getMessage();
        }
        throw new LabException(standby.name() + " accepted a write while it is a standby: " + sql);
    }

    /**
     * Waits until the workload is back on its schedule: every write that arrived more than a second
     * ago has completed. After a stall, stopping earlier would break the queued writes.
     */
    private void waitForBacklog(Lab lab, Monitor monitor, Ledger ledger, double began) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (ledger.size() < load.rate * (lab.elapsed() - began - 1) && System.nanoTime() < deadline) {
            monitor.watch(Duration.ofSeconds(1));
        }
    }

    private static final String FINGERPRINT = "SELECT current_setting('cluster_name') AS node, "
            + "(SELECT count(*) FROM pglab_write) AS pglab_write, (SELECT count(*) FROM rental) AS rental, "
            + "(SELECT count(*) FROM payment) AS payment, "
            + "(SELECT md5(string_agg(key, ',' ORDER BY key)) FROM pglab_write) AS keys_md5";

    private static Table rtoTable(long firstFailure, long decided, long promoted, long firstOk) {
        return Table.create("RTO, from the ledger",
                StringColumn.create("phase", "detect: first failed write -> decision to promote",
                        "promote: pg_ctl promote", "re-route: promoted -> first acknowledged write", "RTO"),
                DoubleColumn.create("ms", round((decided - firstFailure) / 1e6),
                        round((promoted - decided) / 1e6), round((firstOk - promoted) / 1e6),
                        round((firstOk - firstFailure) / 1e6)));
    }

    private static ObjectNode outageJson(Outage o) {
        var node = JsonNodeFactory.instance.objectNode()
                .put("stalledSeconds", o.stalledSeconds())
                .put("okDuringOutage", o.okDuringOutage())
                .put("syncRepWaiting", o.syncRepWaiting())
                .put("catchUpSeconds", round(o.catchUpSeconds()))
                .put("missedWalBytes", o.missedWalBytes())
                .put("lostAcked", o.audit().lostAcked())
                .put("unknownPresent", o.audit().unknownPresent())
                .put("unknownAbsent", o.audit().unknownAbsent());
        Report.writes(node, o.results().ledger());
        node.putObject("latency").set("write", Latency.json(Latency.ofWrites(o.results().ledger())));
        return node;
    }

    /** One ledger and one list of reads for the whole lab, for the timeline and its charts. */
    private static LoadDriver.Results merge(List<LoadDriver.Results> runs) {
        var ledger = new Ledger();
        var reads = new ArrayList<LoadDriver.Read>();
        long notSent = 0;
        for (var run : runs) {
            run.ledger().writes().forEach(ledger::record);
            reads.addAll(run.reads());
            notSent += run.notSent();
        }
        return new LoadDriver.Results(ledger, reads, notSent);
    }

    private static Table lagTable(List<LagSampler> samplers, List<String> phases) {
        Table all = null;
        for (int i = 0; i < samplers.size(); i++) {
            Table t = samplers.get(i).table();
            t.addColumns(StringColumn.create("phase", Collections.nCopies(t.rowCount(), phases.get(i))));
            all = all == null ? t : all.append(t);
        }
        return all;
    }

    /** Bytes behind over time; empty (NaN, a gap in the line) while the node was down and could not say. */
    private static Series behind(String name, LagSampler lag) {
        var samples = lag.samples();
        double[] x = new double[samples.size()];
        double[] y = new double[samples.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = samples.get(i).t();
            y[i] = samples.get(i).bytesBehind() == null ? Double.NaN : samples.get(i).bytesBehind();
        }
        return new Series(name, x, y);
    }

    /** The catch-up curves in kB or MB, whichever keeps the axis short. */
    private static XYChart catchUpChart(List<Series> bytes, List<Event> events) {
        double max = bytes.stream().flatMapToDouble(s -> Arrays.stream(s.y())).filter(v -> !Double.isNaN(v))
                .max().orElse(0);
        double unit = max >= 10 * 1024 * 1024 ? 1024 * 1024 : 1024;
        var scaled = bytes.stream().map(s -> new Series(s.name(), s.x(),
                Arrays.stream(s.y()).map(v -> v / unit).toArray())).toList();
        return Charts.timeSeries("Catching up: how far behind the primary", (unit > 1024 ? "MB" : "kB") + " behind",
                scaled, events);
    }

    private static String byRuntime(Cluster cluster, String docker, String local) {
        return cluster.runtime().equals("docker") ? docker : local;
    }

    /** Seconds on the lab clock as ledger nanoseconds (both count from the lab's start). */
    private static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String firstLine(SQLException e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    private static String save(Lab lab, XYChart chart, String file) {
        Charts.save(chart, lab.out().resolve(file));
        return file;
    }
}
