///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7
//DEPS org.hdrhistogram:HdrHistogram:2.2.2

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import labkit.cluster.Cluster;
import labkit.cluster.Node;
import labkit.cluster.Wait;
import labkit.measure.Audit;
import labkit.measure.LagSampler;
import labkit.measure.Latency;
import labkit.measure.Timeline;
import labkit.notebook.Charts;
import labkit.notebook.Charts.Event;
import labkit.notebook.DurationConverter;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.notebook.Monitor;
import labkit.notebook.Report;
import labkit.notebook.WorkloadOptions;
import labkit.workload.K6;
import labkit.workload.LoadDriver;
import labkit.workload.Pagila;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

@Command(name = "lab03-sync", mixinStandardHelpOptions = true, version = "pglab 0.1.0", sortOptions = false,
        description = {"Module 3: Synchronous Replication (The \"Safe\" Mode).",
                "Measures write latency with asynchronous replication, switches the",
                "primary to synchronous replication and measures it again at the same",
                "rate over the same link, then crashes the primary and audits the",
                "standby: no acknowledged write is lost (RPO = 0).",
                "Results: out/lab03/summary.json, CSV and PNG charts.",
                "",
                "What a commit waits for, by --commit-level (synchronous_commit):",
                "  remote_write  the standby has written the WAL (not yet flushed to its disk)",
                "  on            the standby has flushed the WAL to its disk",
                "  remote_apply  the standby has replayed it: a read there sees the write"})
class Lab03 implements Callable<Integer> {
    enum CommitLevel { remote_write, on, remote_apply }

    @Mixin LabOptions options;
    @Mixin WorkloadOptions load;
    private K6 k6;

    @Option(names = "--phase", defaultValue = "20s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long each phase (async, then sync) runs the workload; long enough that a "
                    + "second of noise on the machine cannot move a p90. Default: ${DEFAULT-VALUE}.")
    Duration phase;

    @Option(names = "--commit-level", defaultValue = "on", paramLabel = "remote_write|on|remote_apply",
            description = "synchronous_commit in sync mode (see above). Default: ${DEFAULT-VALUE}.")
    CommitLevel commitLevel;

    public static void main(String... args) {
        Lab.main(new Lab03(), args);
    }

    @Override
    public Integer call() throws Exception {
        var lab = Lab.start("lab03", "Module 3: Synchronous Replication (The \"Safe\" Mode)", options);
        var summary = lab.summary();
        var events = new ArrayList<Event>();
        try (var cluster = Cluster.create(lab.clusterOptions(), lab)) {
            summary.put("runtime", cluster.runtime());
            k6 = load.k6(cluster.composeCommand());

            lab.step("3.0", "The cluster of Module 2, and its asynchronous write latency");
            lab.say("""
                    As in Module 2 the standby is in another region: the link delays each packet by %d ms each way
                    (±%d ms), a round trip of %.0f ms. First we measure writes in the default, asynchronous mode for
                    %d s, so both modes are measured in the same run, at the same rate, over the same link."""
                    .formatted(load.linkDelay.toMillis(), load.jitter.toMillis(), 2.0 * load.linkDelay.toMillis(),
                            phase.toSeconds()));
            var primary = cluster.primary("postgres-primary");
            Pagila.loadOnto(primary, options.dataset, options.scale, lab);
            var remote = cluster.remoteStandby(primary, "postgres-standby", load.linkDelay, load.jitter);
            var standby = remote.node();
            lab.say("""
                    A %d-second warm-up runs first and is not measured: the JVM compiles the workload's code and
                    the servers fill their caches, which would otherwise slow the first phase only.""".formatted(
                    WARM_UP.toSeconds()));
            warmUp(lab, load, primary, standby);
            var async = runPhase(lab, load, primary, standby, events, "async phase");
            primary.waitForCatchup(standby, Duration.ofSeconds(60));

            lab.step("3.1", "Reconfigure for Sync");
            lab.say("""
                    The primary now waits, at every commit, until postgres-standby confirms it. The standby is named
                    by its application_name; a name with a hyphen must be double-quoted inside the setting, or
                    PostgreSQL rejects it as a syntax error. A reload is enough for this setting; no restart.
                    How long a commit waits is synchronous_commit (--commit-level; this run: %s):""".formatted(commitLevel));
            lab.table(commitLevels());
            lab.command("ALTER SYSTEM SET synchronous_standby_names = '\"postgres-standby\"'; "
                    + "ALTER SYSTEM SET synchronous_commit = '" + commitLevel + "'; SELECT pg_reload_conf();");
            primary.appendConf("synchronous_standby_names = '\"" + standby.name() + "\"'\nsynchronous_commit = '"
                    + commitLevel + "'");
            primary.reload();
            cluster.waitForSyncState(primary, standby, "sync");
            lab.show(primary, "SELECT name, setting FROM pg_settings WHERE name IN "
                    + "('synchronous_standby_names', 'synchronous_commit')");
            var replication = lab.show(primary, "SELECT application_name, state, sync_state FROM pg_stat_replication");

            lab.step("3.2", "Observe Write Latency");
            lab.say("""
                    The same workload again. Every commit now includes a network round trip to the standby and its
                    disk flush: compare the percentiles.""");
            var syncRun = startPhase(lab, load, primary, standby, events, "sync phase");
            syncRun.monitor.watch(phase);
            double rttMs = remote.link().rttMs();
            var asyncWrites = Latency.ofWrites(async.ledger());
            var syncWrites = Latency.ofWrites(syncRun.workload.ledger());
            lab.table(comparison(asyncWrites, syncWrites, rttMs));

            lab.step("3.3", "The \"Sync\" Failure Test (RPO = 0)");
            lab.say("""
                    The primary's zone fails again: its process is killed and its network cut at the same moment,
                    with writes in flight. Then we check every acknowledged write against the standby.""");
            lab.command(cluster.runtime().equals("docker") ? "docker compose kill postgres-primary" : "kill -9 <postmaster pid>");
            events.add(new Event(lab.elapsed(), "primary killed"));
            remote.link().cut();
            primary.kill();
            lab.event("Killed node \"" + primary.name() + "\" (zone failure)");
            syncRun.monitor.watch(Duration.ofSeconds(2));
            var results = syncRun.workload.stop();
            syncRun.lag.close();
            standby.waitForReplayOfReceived(Duration.ofSeconds(30));
            var audit = Audit.on(results.ledger(), standby);
            lab.table(Report.audit(audit));
            lab.say(audit.lostAcked() == 0 ? """
                    No acknowledged write is lost: each "ok" was sent only after the standby had confirmed the commit.
                    The "unknown" writes were in flight when the primary died: the client never heard back, so it
                    cannot count on them either way. Some reached the standby, some did not; none was promised."""
                    : "%d acknowledged writes are missing on the standby.".formatted(audit.lostAcked()));

            lab.step("Outcome", "The price of zero data loss");
            lab.result(String.format("Write p90: async %.1f ms, sync %.1f ms (+%.1f ms; the link's round trip is %.0f ms).",
                    Latency.percentileMs(asyncWrites, 90), Latency.percentileMs(syncWrites, 90),
                    Latency.percentileMs(syncWrites, 90) - Latency.percentileMs(asyncWrites, 90), rttMs));

            summary.putObject("async").putObject("latency").set("write", Latency.json(asyncWrites));
            var syncNode = summary.putObject("sync");
            syncNode.putObject("latency").set("write", Latency.json(syncWrites));
            syncNode.put("syncState", replication.stringColumn("sync_state").get(0));
            syncNode.put("commitLevel", commitLevel.name());
            summary.putObject("link").put("rttMs", rttMs).put("oneWayDelayMs", load.linkDelay.toMillis())
                    .put("jitterMs", load.jitter.toMillis());
            Report.writes(syncNode, results.ledger());
            Report.failure(summary, audit);
            summary.putObject("settings").put("rate", load.rate).put("readRate", load.readRate)
                    .put("phaseSeconds", phase.toSeconds());
            summary.put("postgresVersion", standby.version());

            Report.csv(Timeline.perSecond(async), lab.out().resolve("async-per-second.csv"));
            Report.csv(Timeline.perSecond(results), lab.out().resolve("sync-per-second.csv"));
            results.ledger().writeCsv(lab.out().resolve("sync-writes.csv"));
            var histograms = new LinkedHashMap<String, Histogram>();
            histograms.put("async", asyncWrites);
            histograms.put("sync (" + commitLevel + ")", syncWrites);
            var plots = summary.putArray("plots");
            Charts.save(Charts.percentiles("Write latency by percentile", histograms, TimeUnit.MICROSECONDS),
                    lab.out().resolve("latency-percentiles.png"));
            plots.add("latency-percentiles.png");
            Charts.save(Charts.throughput(results.ledger(), events), lab.out().resolve("sync-throughput.png"));
            plots.add("sync-throughput.png");
        }
        lab.writeSummary();
        return 0;
    }

    private static final Duration WARM_UP = Duration.ofSeconds(3);

    private void warmUp(Lab lab, WorkloadOptions load, Node primary, Node standby) {
        var warmUp = load.driver(lab, k6);
        warmUp.start(primary, standby);
        Wait.sleep(WARM_UP);
        warmUp.stop();
        primary.waitForCatchup(standby, Duration.ofSeconds(60));
    }

    /** A running phase: its workload, lag sampler and live line. */
    private record Phase(LoadDriver workload, LagSampler lag, Monitor monitor) {}

    private Phase startPhase(Lab lab, WorkloadOptions load, Node primary, Node standby, List<Event> events,
                                    String label) {
        var workload = load.driver(lab, k6);
        workload.start(primary, standby);
        var lag = LagSampler.start(lab.startNanos(), primary, standby, Duration.ofMillis(100));
        events.add(new Event(lab.elapsed(), label));
        return new Phase(workload, lag, new Monitor(lab, workload.ledger(), lag));
    }

    private LoadDriver.Results runPhase(Lab lab, WorkloadOptions load, Node primary, Node standby, List<Event> events,
                              String label) {
        var phaseRun = startPhase(lab, load, primary, standby, events, label);
        phaseRun.monitor.watch(phase);
        var results = phaseRun.workload.stop();
        phaseRun.lag.close();
        return results;
    }

    /** What a commit waits for at each synchronous_commit level, once a synchronous standby is named. */
    private static Table commitLevels() {
        return Table.create("synchronous_commit",
                StringColumn.create("level", "remote_write", "on", "remote_apply"),
                StringColumn.create("the commit returns when the standby has",
                        "handed the WAL to its OS (safe from a PostgreSQL crash there, not an OS crash)",
                        "flushed the WAL to its disk (the default)",
                        "replayed the WAL: a read on the standby sees the write"));
    }

    private static Table comparison(Histogram async, Histogram sync, double rttMs) {
        var percentile = StringColumn.create("write latency", "p50", "p90", "p99");
        var a = DoubleColumn.create("async_ms");
        var s = DoubleColumn.create("sync_ms");
        var d = DoubleColumn.create("difference_ms");
        for (double p : new double[] {50, 90, 99}) {
            double am = Latency.percentileMs(async, p);
            double sm = Latency.percentileMs(sync, p);
            a.append(Math.round(am * 10) / 10.0);
            s.append(Math.round(sm * 10) / 10.0);
            d.append(Math.round((sm - am) * 10) / 10.0);
        }
        return Table.create("write latency, link round trip " + Math.round(rttMs) + " ms", percentile, a, s, d);
    }
}
