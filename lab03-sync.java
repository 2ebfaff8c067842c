///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7
//DEPS org.hdrhistogram:HdrHistogram:2.2.2

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import labkit.measure.Latency;
import labkit.measure.LinkProbe;
import labkit.measure.Timeline;
import labkit.notebook.Charts;
import labkit.notebook.Checked;
import labkit.notebook.Charts.Event;
import labkit.notebook.DurationConverter;
import labkit.notebook.Fault;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.notebook.MeasuredPhase;
import labkit.notebook.Plots;
import labkit.notebook.Report;
import labkit.notebook.SyncMode;
import labkit.notebook.WorkloadOptions;
import labkit.workload.Pagila;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

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
class Lab03 implements Callable<Integer>, Checked {
    enum CommitLevel { remote_write, on, remote_apply }

    private static final Duration WARM_UP = Duration.ofSeconds(3);
    private static final int MIN_WRITES_PER_PHASE = 200;

    @Mixin LabOptions options;
    @Mixin WorkloadOptions load;

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

    /** A p90 of each phase needs a few hundred writes, and seconds enough that one slow second cannot move it. */
    @Override
    public void check() {
        Checked.requireBetween("--phase", phase, Duration.ofSeconds(5), Duration.ofMinutes(60));
        Checked.require(phase.toSeconds() * load.rate >= MIN_WRITES_PER_PHASE, "--phase", phase.toSeconds() + "s",
                "long enough for " + MIN_WRITES_PER_PHASE + " writes at --rate " + load.rate + " (or raise --rate)");
    }

    @Override
    public Integer call() throws Exception {
        var lab = Lab.start("lab03", "Module 3: Synchronous Replication (The \"Safe\" Mode)", options);
        var summary = lab.summary();
        var events = new ArrayList<Event>();
        try (var cluster = lab.cluster()) {
            var k6 = load.k6(cluster.composeCommand());

            lab.step("3.0", "The cluster of Module 2, and its asynchronous write latency");
            lab.say("""
                    As in Module 2 the standby is in another region: the link delays each packet by %d ms each way
                    (±%d ms), a round trip of %d ms as configured; the lab measures the real one through the link.
                    First we measure writes in the default, asynchronous mode for %d s, so both modes are measured
                    in the same run, at the same rate, over the same link. A %d-second warm-up runs first and is not
                    measured: the JVM compiles the workload's code and the servers fill their caches."""
                    .formatted(load.linkDelay.toMillis(), load.jitter.toMillis(), 2 * load.linkDelay.toMillis(),
                            phase.toSeconds(), WARM_UP.toSeconds()));
            var primary = cluster.primary("postgres-primary");
            Pagila.loadOnto(primary, options.dataset, options.scale, lab);
            var remote = cluster.remoteStandby(primary, "postgres-standby", load.linkDelay, load.jitter);
            var standby = remote.node();
            var rtt = LinkProbe.start(primary, remote.link(), Duration.ofMillis(200));
            MeasuredPhase.warmUp(load.driver(lab, k6), primary, standby, WARM_UP);
            var asyncPhase = MeasuredPhase.start(lab, load.driver(lab, k6), primary, standby, events, "async phase")
                    .watch(phase);
            var async = asyncPhase.stop();
            primary.waitForCatchup(standby, Duration.ofSeconds(60));

            lab.step("3.1", "Reconfigure for Sync");
            lab.say("""
                    The primary now waits, at every commit, until postgres-standby confirms it. The standby is named
                    by its application_name; a name with a hyphen must be double-quoted inside the setting, or
                    PostgreSQL rejects it as a syntax error. A reload is enough for this setting; no restart.
                    How long a commit waits is synchronous_commit (--commit-level); this run uses %s:"""
                    .formatted(commitLevel));
            lab.table(SyncMode.commitLevels());
            var replication = SyncMode.on(lab, cluster, primary, standby, commitLevel.name());

            lab.step("3.2", "Observe Write Latency");
            lab.say("""
                    The same workload again. Every commit now includes a network round trip to the standby and %s
                    there: compare the percentiles.""".formatted(switch (commitLevel) {
                        case remote_write -> "the write to its OS"; case on -> "its disk flush"; case remote_apply -> "its flush and replay"; }));
            var sync = MeasuredPhase.start(lab, load.driver(lab, k6), primary, standby, events, "sync phase").watch(phase);
            // each phase's percentiles cover its first --phase seconds, however long the teacher pauses after it
            var asyncWindow = asyncPhase.firstSeconds("async phase end", phase);
            var syncWindow = sync.firstSeconds("sync phase end", phase);
            var asyncWrites = Latency.ofAcknowledgedWrites(async.ledger(), asyncWindow, "in the async phase");
            var syncWrites = Latency.ofAcknowledgedWrites(sync.ledger(), syncWindow, "in the sync phase");
            lab.table(Report.comparison("async", asyncWrites, "sync", syncWrites, rtt.histogram()));
            lab.say("The link's round trip, timed through it while the phases ran: " + Report.rtt(rtt) + ".");

            lab.step("3.3", "The \"Sync\" Failure Test (RPO = 0)");
            lab.say("""
                    The primary's zone fails again: its process is killed and its network cut at the same moment,
                    with writes in flight. Then we check every acknowledged write against the standby.""");
            var failure = sync.endWith(Fault.zone, cluster, primary, remote.link(), standby, Duration.ofSeconds(2));
            var results = failure.results();
            var audit = failure.audit();
            Report.show(lab, audit, load.users);
            lab.say(audit.lostAcked() == 0 ? """
                    No acknowledged write is lost: each "ok" was sent only after the standby had confirmed the commit.
                    None of the unknown writes was promised, whether or not it reached the standby."""
                    : "%d acknowledged writes are missing on the standby.".formatted(audit.lostAcked()));

            lab.step("Outcome", "The price of zero data loss");
            var paid = SyncMode.roundTripPaid(asyncWrites, syncWrites, rtt);
            lab.result(paid.text());

            Report.latency(summary.putObject("async"), asyncWindow, asyncWrites);
            var syncNode = summary.putObject("sync");
            Report.latency(syncNode, syncWindow, syncWrites);
            syncNode.put("syncState", replication.stringColumn("sync_state").get(0));
            syncNode.put("commitLevel", commitLevel.name());
            syncNode.set("roundTripPaid", paid.json());
            Report.link(summary, remote.link(), rtt, load.linkDelay, load.jitter)
                    .set("window", rtt.window(lab.startNanos(), "fault").json());
            Report.writes(syncNode, results.ledger()).set("window", sync.untilStop().json());
            Report.failure(summary, audit).set("window", sync.untilStop().json());
            Report.settings(summary, load).put("configuredPhaseSeconds", phase.toSeconds());
            summary.put("postgresVersion", standby.version());

            Report.csv(Timeline.perSecond(async), lab.out().resolve("async-per-second.csv"));
            Report.csv(Timeline.perSecond(results), lab.out().resolve("sync-per-second.csv"));
            results.ledger().writeCsv(lab.out().resolve("sync-writes.csv"));
            var byMode = new LinkedHashMap<String, Histogram>();
            byMode.put("async", asyncWrites);
            byMode.put("sync (" + commitLevel + ")", syncWrites);
            new Plots(lab).save("latency-percentiles.png", Charts.percentiles("Write latency by percentile", byMode,
                            TimeUnit.MICROSECONDS))
                    .save("sync-throughput.png", Charts.throughput(results.ledger(), events));
        }
        lab.writeSummary();
        return 0;
    }
}
