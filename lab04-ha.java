///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7
//DEPS tech.tablesaw:tablesaw-core:0.44.4

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import labkit.cluster.Cluster;
import labkit.cluster.LabException;
import labkit.cluster.Node;
import labkit.cluster.NodeRuntime;
import labkit.cluster.ServerLog;
import labkit.cluster.Sql;
import labkit.cluster.Wait;
import labkit.measure.Audit;
import labkit.measure.LagSampler;
import labkit.measure.Latency;
import labkit.measure.Timeline;
import labkit.notebook.Charts;
import labkit.notebook.Charts.Event;
import labkit.notebook.Charts.Percentiles;
import labkit.notebook.Charts.Series;
import labkit.notebook.DurationConverter;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.notebook.Monitor;
import labkit.notebook.Report;
import labkit.notebook.WorkloadOptions;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import labkit.workload.LoadDriver;
import labkit.workload.Pagila;
import org.knowm.xchart.XYChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

@Command(name = "lab04-ha", mixinStandardHelpOptions = true, version = "pglab 0.1.0", sortOptions = false,
        description = {"Module 4: High Availability Demos (Reacting to Failure).",
                "One workload runs through the whole lab.",
                "4.1 stops the standby for --outage, in sync mode (writes stall) and in",
                "    async mode (writes go on), starts it again and measures its catch-up.",
                "4.2 stops the primary, promotes the standby, re-routes the writes and",
                "    measures the RTO; then brings the old primary back as a follower with",
                "    pg_rewind and checks that both nodes hold the same data.",
                "Results: out/lab04/summary.json, CSV and PNG charts."})
class Lab04 implements Callable<Integer> {
    /** Steady workload before each fault, so that the charts show the normal rate first. */
    private static final Duration STEADY = Duration.ofSeconds(4);
    /** The lab declares the primary down after this many failed health checks in a row, one a second. */
    private static final int HEALTH_CHECKS = 3;
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(100);
    /** The same data on both nodes: row counts, and every write's key hashed in order. */
    private static final String FINGERPRINT = "SELECT current_setting('cluster_name') AS node, "
            + "(SELECT count(*) FROM pglab_write) AS pglab_write, (SELECT count(*) FROM rental) AS rental, "
            + "(SELECT count(*) FROM payment) AS payment, "
            + "(SELECT md5(string_agg(key, ',' ORDER BY key)) FROM pglab_write) AS keys_md5";

    @Mixin LabOptions options;
    @Mixin WorkloadOptions load;

    @Option(names = "--outage", defaultValue = "30s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long the standby stays down in 4.1, in each mode. Default: ${DEFAULT-VALUE}.")
    Duration outage;

    public static void main(String... args) {
        Lab.main(new Lab04(), args);
    }

    private Lab lab;
    private Cluster cluster;
    /** One workload through the whole lab, as a k6 script left running would be. */
    private LoadDriver workload;
    /** When the workload started, on the lab clock (s). */
    private double began;
    private final List<Event> events = new ArrayList<>();

    /**
     * One follower outage in one mode, on the lab clock (seconds): the mode ran from {@code from}
     * to {@code to}, the standby was down from {@code down} to {@code up}.
     */
    private record Outage(double from, double down, double up, double to, long syncRepWaiting, double catchUpSeconds,
                          long missedWalBytes, Audit.Result audit) {

        long okDuringOutage(Ledger ledger) {
            return ledger.writes().stream().filter(w -> w.outcome() == Outcome.OK
                    && w.doneNanos() > nanos(down) && w.doneNanos() < nanos(up)).count();
        }

        /** Whole seconds inside the outage in which no write was acknowledged. */
        long stalledSeconds(Ledger ledger) {
            var ok = ledger.perSecond().intColumn("ok");
            long stalled = 0;
            for (int s = (int) Math.ceil(down); s + 1 <= up; s++) {
                if (s >= ok.size() || ok.getInt(s) == 0) {
                    stalled++;
                }
            }
            return stalled;
        }

        /** Latency of the acknowledged writes that arrived in this mode. */
        ObjectNode writeLatency(Ledger ledger) {
            return Latency.json(Latency.of(ledger.writes().stream().filter(w -> w.outcome() == Outcome.OK
                    && w.intendedNanos() >= nanos(from) && w.intendedNanos() < nanos(to)).map(Ledger.Write::latencyMs).toList()));
        }
    }

    /** 4.2 on the ledger's clock (ns since the lab's start): where the RTO starts, its phases, where it ends. */
    private record Failover(String newPrimary, long firstFailure, long decided, long promoted, long firstOk) {
        double detectMs() { return (decided - firstFailure) / 1e6; }
        double promoteMs() { return (promoted - decided) / 1e6; }
        double rerouteMs() { return (firstOk - promoted) / 1e6; }
        double rtoMs() { return (firstOk - firstFailure) / 1e6; }
    }

    /** The end of the lab: the whole run, the rejoined node's lag, the final audit and data check. */
    private record Rejoin(LoadDriver.Results results, LagSampler lag, Audit.Result audit, int timeline,
                          String oldPrimaryState, boolean dataEqual, long rows) {}

    @Override
    public Integer call() throws Exception {
        if (outage.toMillis() < 1000) {
            throw new LabException("--outage must be at least 1s");
        }
        lab = Lab.start("lab04", "Module 4: High Availability Demos (Reacting to Failure)", options);
        try (var c = Cluster.create(lab.clusterOptions(), lab)) {
            cluster = c;
            lab.summary().put("runtime", cluster.runtime());
            var k6 = load.k6(cluster.composeCommand());

            lab.step("4.0", "The cluster of Module 2, with the standby in another region");
            lab.say("""
                    postgres-standby streams from postgres-primary through a link that delays each packet by %d ms
                    each way (±%d ms). One workload runs through the whole lab, as a k6 script would: new rentals
                    arrive at %.0f writes per second on a fixed schedule, whatever the servers do, and customers
                    browse films on the standby."""
                    .formatted(load.linkDelay.toMillis(), load.jitter.toMillis(), load.rate));
            var primary = cluster.primary("postgres-primary");
            Pagila.loadOnto(primary, options.dataset, options.scale, lab);
            var standby = cluster.remoteStandby(primary, "postgres-standby", load.linkDelay, load.jitter).node();

            lab.step("4.1", "Demo: Follower Failure (Catch-up Recovery), in Sync mode");
            lab.say("""
                    First the primary waits at every commit for postgres-standby (Module 3). A name with a hyphen is
                    double-quoted inside the setting; a reload is enough.""");
            syncStandby(primary, standby, "'\"" + standby.name() + "\"'", "sync");
            workload = load.driver(lab, k6);
            workload.start(primary, standby);
            began = lab.elapsed();
            events.add(new Event(began, "sync mode"));
            var lag = LagSampler.start(lab.startNanos(), primary, standby, SAMPLE_EVERY);
            var monitor = new Monitor(lab, workload.ledger(), lag);
            var sync = followerOutage(primary, standby, monitor, "sync");

            lab.step("4.1", "Demo: Follower Failure (Catch-up Recovery), in Async mode");
            lab.say("""
                    The same outage with the default, asynchronous replication: the primary no longer waits for
                    anyone. The workload keeps running while we switch.""");
            syncStandby(primary, standby, "''", "async");
            events.add(new Event(lab.elapsed(), "async mode"));
            var async = followerOutage(primary, standby, monitor, "async");

            lab.step("4.2", "Demo: Leader Failure (Manual Failover)");
            var failover = failover(primary, standby, monitor);
            lag.close();

            lab.step("4.2", "Bring the Old Primary Back as a Follower");
            var rejoin = rejoin(primary, standby);

            lab.step("Outcome", "Catch-up recovery and failover");
            var all = rejoin.results().ledger();
            lab.result(String.format(Locale.ROOT, """
                            Follower down for %d s. Sync mode: writes stalled for %d whole seconds (%d commits waiting \
                            on SyncRep), the standby missed only %,d kB and caught up in %.1f s. Async mode: %,d writes \
                            acknowledged during the outage, the standby missed %,d kB and caught up in %.1f s. \
                            Acknowledged writes lost: %d.""",
                    outage.toSeconds(), sync.stalledSeconds(all), sync.syncRepWaiting(), sync.missedWalBytes() / 1024,
                    sync.catchUpSeconds(), async.okDuringOutage(all), async.missedWalBytes() / 1024,
                    async.catchUpSeconds(), sync.audit().lostAcked() + async.audit().lostAcked()));
            lab.result(String.format(Locale.ROOT, """
                            Leader down: %s promoted, RTO %.0f ms (detect %.0f, promote %.0f, re-route %.0f). \
                            Acknowledged writes lost: %d. The old primary follows the new one (%s); same data: %s.""",
                    failover.newPrimary(), failover.rtoMs(), failover.detectMs(), failover.promoteMs(),
                    failover.rerouteMs(), rejoin.audit().lostAcked(), rejoin.oldPrimaryState(),
                    rejoin.dataEqual() ? "yes" : "NO"));
            lab.say("""
                    A follower heals itself: it reconnects, replays what it missed, and nothing is lost. In sync mode
                    the clients paid for the outage instead of the standby: a single synchronous standby is a single
                    point of failure for writes (name two, e.g. 'ANY 1 (s1, s2)', or accept async). A leader does not
                    heal itself: someone, or a tool such as Patroni, must detect the failure, promote a standby and
                    move the clients, and detection is most of the RTO.""");

            report(sync, async, failover, rejoin);
            lab.summary().put("postgresVersion", standby.version());
            var perSecond = Timeline.perSecond(rejoin.results());
            Report.csv(perSecond, lab.out().resolve("per-second.csv"));
            all.writeCsv(lab.out().resolve("writes.csv"));
            Report.csv(lagTable(List.of(lag, rejoin.lag()), List.of(standby.name(), primary.name() + " (rejoined)")),
                    lab.out().resolve("catch-up.csv"));
            var plots = lab.summary().putArray("plots");
            plots.add(save(Charts.throughput(all, events), "throughput.png"));
            plots.add(save(catchUpChart(List.of(behind(standby.name(), lag),
                    behind(primary.name() + ", rejoining", rejoin.lag())), events), "catch-up.png"));
            plots.add(save(Charts.latencyPerSecond(List.of(Percentiles.of(perSecond, "write")), events),
                    "latency.png"));
        }
        lab.writeSummary();
        return 0;
    }

    /**
     * 4.2 with the workload writing to {@code primary}: stop it, detect that it is down, promote
     * {@code standby}, re-route the writes, and take the RTO and its phases from the ledger.
     */
    private Failover failover(Node primary, Node standby, Monitor monitor) {
        lab.say("The workload goes on writing to postgres-primary, in async mode (the usual setting).");
        monitor.watch(STEADY);
        lab.say("Action: stop postgres-primary.");
        lab.command(byRuntime("docker compose stop postgres-primary",
                "pg_ctl stop -m fast -D <data dir of postgres-primary>"));
        double stopped = lab.elapsed();
        events.add(new Event(stopped, "primary stopped"));
        primary.stop();
        lab.event("Stopped node \"" + primary.name() + "\"");
        lab.say("""
                Observe: every write fails. The standby still serves reads but refuses writes: the cluster is
                read-only. Nothing promotes it by itself: PostgreSQL has no built-in failover.""");
        lab.command(standby.psqlCommand() + " -c \"CREATE TABLE failover_probe (id int)\"");
        lab.result(refusal(standby, "CREATE TABLE failover_probe (id int)"));
        lab.say("""
                The lab plays the monitoring system: it checks the primary once a second and declares it down
                after %d failed checks in a row (one failed check may be a network blip).""".formatted(HEALTH_CHECKS));
        detectDown(primary, monitor);

        lab.say("""
                Action: promote postgres-standby. It replays the WAL it has, leaves recovery, starts a new
                timeline and accepts writes.""");
        lab.command(byRuntime("docker compose exec -u postgres postgres-standby pg_ctl promote",
                "pg_ctl promote -D <data dir of postgres-standby>") + "    (or in SQL: SELECT pg_promote();)");
        double promoteStart = lab.elapsed();
        standby.promote();
        double promoted = lab.elapsed();
        events.add(new Event(promoted, "promoted"));
        lab.event("Promoted node \"" + standby.name() + "\"");
        lab.show(standby, "SELECT pg_is_in_recovery(), current_setting('cluster_name') AS cluster_name, "
                + "pg_walfile_name(pg_current_wal_lsn()) AS wal_file");
        lab.say("""
                The WAL file name begins with the timeline, now 2. Action: re-route the writes to the new
                primary (with k6: a new connection string, and run it again).""");
        workload.reroute(standby);
        events.add(new Event(lab.elapsed(), "re-routed"));
        lab.event("Writes re-routed to \"" + standby.name() + "\"");
        monitor.watch(Duration.ofSeconds(3));

        var ledger = workload.ledger();
        // the first write that failed once the primary was going down (4.1 fails none, but be exact)
        var firstFailure = ledger.writes().stream()
                .filter(w -> w.outcome() != Outcome.OK && w.doneNanos() >= nanos(stopped))
                .min(Comparator.comparingLong(Ledger.Write::doneNanos))
                .orElseThrow(() -> new LabException("no write failed after the primary stopped: raise --rate"));
        var firstOk = ledger.firstOkAfter(nanos(promoted))
                .orElseThrow(() -> new LabException("no write succeeded on the new primary within 3 s"));
        var failover = new Failover(Sql.scalar(standby, "SELECT current_setting('cluster_name')"),
                firstFailure.doneNanos(), nanos(promoteStart), nanos(promoted), firstOk.doneNanos());
        lab.table(Table.create("RTO, from the ledger",
                StringColumn.create("phase", "detect: first failed write -> decision to promote",
                        "promote: pg_ctl promote", "re-route: promoted -> first acknowledged write", "RTO"),
                DoubleColumn.create("ms", round(failover.detectMs()), round(failover.promoteMs()),
                        round(failover.rerouteMs()), round(failover.rtoMs()))));
        lab.result(String.format(Locale.ROOT, "RTO %.1f s: from the first failed write to the first acknowledged "
                + "write on %s.", failover.rtoMs() / 1000, firstOk.node()));
        return failover;
    }

    /**
     * The old primary back as a follower of the new one (pg_rewind, then streaming); then the
     * workload stops, every write of the lab is audited on the new primary, and both nodes' data
     * is compared.
     */
    private Rejoin rejoin(Node oldPrimary, Node newPrimary) {
        lab.say("""
                postgres-primary must not simply start again: it would be a second primary (split brain). It has
                to follow the new timeline. pg_rewind first undoes what it wrote after the fork point that the new
                primary never got, copying those blocks back from the new primary (nothing after a clean stop: a
                primary sends all its WAL before it shuts down; after a crash there may be some). Then it starts
                as a standby streaming from postgres-standby. The history file of timeline 2 names the fork point:""");
        String timelineHex = Sql.scalar(newPrimary, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)");
        int timeline = Integer.parseInt(timelineHex, 16);
        lab.show(newPrimary, "SELECT pg_read_file('pg_wal/" + timelineHex + ".history') AS timeline_history");
        lab.command(byRuntime("docker compose run --rm -u postgres postgres-primary pg_rewind -D \"$PGDATA\" "
                        + "--source-server=\"host=postgres-standby user=postgres dbname=pagila\"",
                "pg_rewind -D <data dir of postgres-primary> --source-server=\"host=127.0.0.1 port=" + newPrimary.port()
                        + " user=postgres dbname=pagila\""));
        lab.command("touch <data dir of postgres-primary>/standby.signal, primary_conninfo = '... application_name="
                + oldPrimary.name() + "' in its postgresql.auto.conf, then start it");
        var backLink = cluster.link(newPrimary).delay(load.linkDelay, load.jitter);
        cluster.nodeRuntime().rejoinAsStandby(oldPrimary, newPrimary,
                new NodeRuntime.Endpoint(cluster.nodeRuntime().hostSeenFromNodes(), backLink.port()), true);
        events.add(new Event(lab.elapsed(), "rejoined"));
        lab.event("Rewound \"" + oldPrimary.name() + "\" and started it as a standby of \"" + newPrimary.name() + "\"");
        var lag = LagSampler.start(lab.startNanos(), newPrimary, oldPrimary, SAMPLE_EVERY);
        var monitor = new Monitor(lab, workload.ledger(), lag);
        Wait.until("\"" + oldPrimary.name() + "\" streams timeline " + timeline, oldPrimary,
                "SELECT status || ' ' || received_tli FROM pg_stat_wal_receiver", "streaming " + timeline,
                Duration.ofSeconds(60));
        cluster.waitForStreaming(newPrimary, oldPrimary);
        var replication = lab.show(newPrimary, "SELECT application_name, state, sync_state FROM pg_stat_replication");
        String state = replication.where(replication.stringColumn("application_name").isEqualTo(oldPrimary.name()))
                .stringColumn("state").get(0);
        lab.say("Its log: recovery, then streaming from the new primary: the old timeline up to the fork, then the new one.");
        ServerLog.storyFrom(oldPrimary, "shutdown request", 20).forEach(lab::result);
        monitor.watch(Duration.ofSeconds(2));
        waitForBacklog(monitor);
        var results = workload.stop();
        newPrimary.waitForCatchup(oldPrimary, Duration.ofSeconds(60));
        lag.close();

        lab.say("Every write of the lab, audited on the new primary:");
        var audit = Audit.on(results.ledger(), newPrimary);
        lab.table(Report.audit(audit));
        lab.say("Both nodes, row by row (the keys of every write, hashed in order):");
        lab.command(newPrimary.psqlCommand() + " -c \"" + FINGERPRINT + "\"");
        var data = Sql.query(newPrimary, FINGERPRINT).append(Sql.query(oldPrimary, FINGERPRINT));
        lab.table(data);
        boolean dataEqual = data.rejectColumns("node").dropDuplicateRows().rowCount() == 1;
        return new Rejoin(results, lag, audit, timeline, state, dataEqual, data.longColumn("pglab_write").get(0));
    }

    /** summary.json: followerFailure, failover, writes and settings. */
    private void report(Outage sync, Outage async, Failover failover, Rejoin rejoin) {
        var all = rejoin.results().ledger();
        var followers = lab.summary().putObject("followerFailure");
        followers.put("outageSeconds", outage.toMillis() / 1000.0);
        followers.set("sync", outageJson(sync, all));
        followers.set("async", outageJson(async, all));
        // the headline catch-up is the async one: there the standby missed the whole outage's WAL
        followers.put("catchUpSeconds", round(async.catchUpSeconds()));
        followers.put("lostAcked", sync.audit().lostAcked() + async.audit().lostAcked());
        var node = lab.summary().putObject("failover");
        node.put("newPrimary", failover.newPrimary());
        node.put("rtoMs", round(failover.rtoMs()));
        node.putObject("rtoPhasesMs").put("detect", round(failover.detectMs()))
                .put("promote", round(failover.promoteMs())).put("reroute", round(failover.rerouteMs()));
        node.put("lostAcked", rejoin.audit().lostAcked()).put("unknownPresent", rejoin.audit().unknownPresent())
                .put("unknownAbsent", rejoin.audit().unknownAbsent());
        node.put("timeline", rejoin.timeline());
        node.put("rewind", true);
        node.put("oldPrimaryState", rejoin.oldPrimaryState());
        node.put("dataEqual", rejoin.dataEqual());
        node.put("rows", rejoin.rows());
        Report.writes(lab.summary(), all);
        lab.summary().putObject("settings").put("rate", load.rate).put("readRate", load.readRate)
                .put("linkDelayMs", load.linkDelay.toMillis()).put("jitterMs", load.jitter.toMillis())
                .put("outageSeconds", outage.toMillis() / 1000.0).put("healthChecks", HEALTH_CHECKS);
    }

    /**
     * 4.1 in one mode, with the workload running: stop the standby, start it after the outage,
     * measure its catch-up, show its log, and audit the writes so far on it.
     */
    private Outage followerOutage(Node primary, Node standby, Monitor monitor, String mode) {
        double from = lab.elapsed();
        monitor.watch(STEADY);
        lab.say("Action: stop postgres-standby (a clean, fast shutdown).");
        lab.command(byRuntime("docker compose stop postgres-standby",
                "pg_ctl stop -m fast -D <data dir of postgres-standby>"));
        String replayedBeforeStop = standby.lsn();
        standby.stop();
        double down = lab.elapsed();
        events.add(new Event(down, "standby stopped"));
        lab.event("Stopped node \"" + standby.name() + "\"");
        lab.say(mode.equals("sync") ? """
                Observe: writes stall. Each commit is on the primary's disk but waits for a confirmation that
                cannot come; the clients hang, and new arrivals queue behind them."""
                : """
                Observe: writes go on. The primary keeps the WAL the standby has not received (its replication
                slot holds it), so that the standby can catch up later.""");
        monitor.watch(Duration.ofMillis(Math.min(3000, outage.toMillis() / 2)));
        lab.say("What the primary's client sessions wait for (SyncRep: a commit waiting for the standby):");
        var sessions = lab.show(primary, "SELECT coalesce(wait_event, '-') AS wait_event, state, count(*) AS sessions "
                + "FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() "
                + "GROUP BY 1, 2 ORDER BY 3 DESC");
        long syncRepWaiting = (long) sessions.where(sessions.stringColumn("wait_event").isEqualTo("SyncRep"))
                .longColumn("sessions").sum();
        if (syncRepWaiting > 0) {
            lab.show(primary, "SELECT pid, wait_event, now() - xact_start AS waiting_for, "
                    + "left(regexp_replace(query, '\\s+', ' ', 'g'), 40) AS query "
                    + "FROM pg_stat_activity WHERE wait_event = 'SyncRep' ORDER BY xact_start LIMIT 3");
        }
        monitor.watch(Duration.ofMillis(Math.max(0, Math.round((down + outage.toMillis() / 1000.0 - lab.elapsed()) * 1000))));

        lab.say("Action: start postgres-standby again.");
        lab.command(byRuntime("docker compose start postgres-standby",
                "pg_ctl start -D <data dir of postgres-standby>"));
        String target = primary.lsn();
        double up = lab.elapsed();
        events.add(new Event(up, "standby started"));
        standby.start();
        lab.event("Started node \"" + standby.name() + "\"");
        Wait.until("postgres-standby replays up to " + target + " (the primary's position when it started)", standby,
                "SELECT pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn", "t", Duration.ofMinutes(5));
        double catchUp = lab.elapsed() - up;
        long missed = Long.parseLong(Sql.scalar(primary,
                "SELECT pg_wal_lsn_diff('" + target + "', '" + replayedBeforeStop + "')::bigint"));
        lab.result(String.format(Locale.ROOT, "Caught up in %.1f s: it replayed the %,d kB of WAL it had missed.",
                catchUp, missed / 1024));
        lab.say("Observe the standby's log: it recovers to a consistent state, reconnects and streams what it missed.");
        lab.command(byRuntime("docker compose logs postgres-standby",
                "less out/lab04/logs/postgres-standby.log    (kept there after the run)"));
        ServerLog.storyFrom(standby, "shutdown request", 15).forEach(lab::result);
        if (mode.equals("sync")) {
            lab.say("The stalled commits are confirmed now; the writes that queued behind them drain.");
        }
        monitor.watch(Duration.ofSeconds(2));
        waitForBacklog(monitor);
        var audit = auditSoFar(workload.ledger(), primary, standby);
        lab.table(Report.audit(audit));
        lab.say(audit.lostAcked() == 0 ? "No acknowledged write is missing on the standby: it healed itself."
                : audit.lostAcked() + " acknowledged writes are missing on the standby.");
        return new Outage(from, down, up, lab.elapsed(), syncRepWaiting, catchUp, missed, audit);
    }

    /**
     * Audits the writes acknowledged so far while the workload goes on: each of them committed on
     * the primary before the position read next, so once the standby has replayed up to that
     * position, each must be there.
     */
    private static Audit.Result auditSoFar(Ledger ledger, Node primary, Node standby) {
        var snapshot = new Ledger();
        ledger.writes().forEach(snapshot::record);
        primary.waitForCatchup(standby, Duration.ofSeconds(60));
        return Audit.on(snapshot, standby);
    }

    /** Sets synchronous_standby_names on the primary and waits until the standby has the expected sync_state. */
    private void syncStandby(Node primary, Node standby, String quotedNames, String expected) {
        lab.command(primary.psqlCommand() + " -c \"ALTER SYSTEM SET synchronous_standby_names = "
                + quotedNames.replace("\"", "\\\"") + "\" -c \"SELECT pg_reload_conf()\"");
        primary.appendConf("synchronous_standby_names = " + quotedNames);
        primary.reload();
        cluster.waitForSyncState(primary, standby, expected);
        lab.show(primary, "SELECT application_name, state, sync_state FROM pg_stat_replication");
    }

    /** The lab's health check: one a second, until {@link #HEALTH_CHECKS} in a row have failed. */
    private void detectDown(Node primary, Monitor monitor) {
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
                lab.result("health check of " + primary.name() + ": FAILED " + failed + "/" + HEALTH_CHECKS + " ("
                        + firstSentence(e) + ")");
            }
        }
        lab.event("Declared \"" + primary.name() + "\" down");
    }

    /** Runs a write that a standby must refuse, and returns the refusal. */
    private static String refusal(Node standby, String sql) {
        try {
            Sql.exec(standby, sql);
        } catch (LabException e) {
            return e.getCause() instanceof SQLException s ? firstSentence(s) : e.getMessage();
        }
        throw new LabException(standby.name() + " accepted a write while it is a standby: " + sql);
    }

    /**
     * Waits until the workload is back on its schedule: every write that arrived more than a second
     * ago has completed. After a stall the queued writes take a while to drain.
     */
    private void waitForBacklog(Monitor monitor) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (workload.ledger().size() < load.rate * (lab.elapsed() - began - 1) && System.nanoTime() < deadline) {
            monitor.watch(Duration.ofSeconds(1));
        }
    }

    private static ObjectNode outageJson(Outage o, Ledger ledger) {
        var node = JsonNodeFactory.instance.objectNode()
                .put("stalledSeconds", o.stalledSeconds(ledger))
                .put("okDuringOutage", o.okDuringOutage(ledger))
                .put("syncRepWaiting", o.syncRepWaiting())
                .put("catchUpSeconds", round(o.catchUpSeconds()))
                .put("missedWalBytes", o.missedWalBytes())
                .put("lostAcked", o.audit().lostAcked())
                .put("unknownPresent", o.audit().unknownPresent())
                .put("unknownAbsent", o.audit().unknownAbsent());
        node.putObject("latency").set("write", o.writeLatency(ledger));
        return node;
    }

    private static Table lagTable(List<LagSampler> samplers, List<String> nodes) {
        Table all = null;
        for (int i = 0; i < samplers.size(); i++) {
            Table t = samplers.get(i).table();
            t.addColumns(StringColumn.create("standby", Collections.nCopies(t.rowCount(), nodes.get(i))));
            all = all == null ? t : all.append(t);
        }
        return all;
    }

    /** Bytes behind over time; NaN (a gap in the line) while a node was down and could not say. */
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

    /** The catch-up curves in kB, or MB when that keeps the axis short. */
    private static XYChart catchUpChart(List<Series> bytes, List<Event> events) {
        double max = bytes.stream().flatMapToDouble(s -> Arrays.stream(s.y())).filter(v -> !Double.isNaN(v))
                .max().orElse(0);
        double unit = max >= 10 * 1024 * 1024 ? 1024 * 1024 : 1024;
        var scaled = bytes.stream().map(s -> new Series(s.name(), s.x(), Arrays.stream(s.y()).map(v -> v / unit).toArray()))
                .toList();
        return Charts.timeSeries("Catching up: how far behind the primary", (unit > 1024 ? "MB" : "kB") + " behind",
                scaled, events);
    }

    private String byRuntime(String docker, String local) {
        return cluster.runtime().equals("docker") ? docker : local;
    }

    /** Seconds on the lab clock as ledger nanoseconds (both count from the lab's start). */
    private static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** JDBC messages run on ("Check that the hostname and port are correct and…"): the first sentence says it. */
    private static String firstSentence(SQLException e) {
        String line = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        int end = line.indexOf(". ");
        return end > 0 ? line.substring(0, end + 1) : line;
    }

    private String save(XYChart chart, String file) {
        Charts.save(chart, lab.out().resolve(file));
        return file;
    }
}
