///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import labkit.measure.Latency;
import labkit.measure.LinkProbe;
import labkit.measure.Timeline;
import labkit.notebook.Charts;
import labkit.notebook.Checked;
import labkit.notebook.Charts.Percentiles;
import labkit.notebook.Charts.Series;
import labkit.notebook.DurationConverter;
import labkit.notebook.Fault;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.notebook.MeasuredPhase;
import labkit.notebook.Plots;
import labkit.notebook.Report;
import labkit.notebook.WorkloadOptions;
import labkit.workload.Pagila;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "lab02-async", mixinStandardHelpOptions = true, version = "pglab 0.1.0", sortOptions = false,
        description = {"Module 2: Asynchronous Replication (The Default & The \"Lag\").",
                "Runs a mixed Pagila workload (writes to the primary, reads from the",
                "standby), measures the replication lag, then crashes the primary and",
                "audits the standby: acknowledged writes missing there are lost (RPO > 0).",
                "Results: out/lab02/summary.json, CSV and PNG charts."})
class Lab02 implements Callable<Integer>, Checked {
    @Mixin LabOptions options;
    @Mixin WorkloadOptions load;

    @Option(names = "--run-for", defaultValue = "15s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long the workload runs before the primary is killed. Default: ${DEFAULT-VALUE}.")
    Duration runFor;

    @Option(names = "--fault", defaultValue = "zone", paramLabel = "zone|process",
            description = "zone: the primary's process is killed and its network cut at the same moment (a machine "
                    + "or zone failure); process: only the process is killed (docker kill). Default: ${DEFAULT-VALUE}.")
    Fault fault;

    public static void main(String... args) {
        Lab.main(new Lab02(), args);
    }

    /** The workload must run long enough to fill the lag charts and leave writes in flight at the crash. */
    @Override
    public void check() {
        Checked.requireBetween("--run-for", runFor, Duration.ofSeconds(3), Duration.ofMinutes(60));
        // the workload runs --run-for, then the 3 s after the fault (pauses at a terminal add more)
        options.requireRoomForWrites(load.rate * (runFor.toSeconds() + 3));
    }

    @Override
    public Integer call() throws Exception {
        var lab = Lab.start("lab02", "Module 2: Asynchronous Replication (The Default & The \"Lag\")", options);
        var summary = lab.summary().put("mode", "async");
        try (var cluster = lab.cluster()) {
            var k6 = load.k6(cluster.composeCommand());

            lab.step("2.0", "The cluster of Module 1, with the standby in another region");
            lab.say("""
                    The standby streams from the primary through a link the lab owns, which delays every packet
                    by %d ms each way (±%d ms): a standby in another region. The link also counts the replication
                    traffic, and the lab times a query to the primary through it: the round trip, measured."""
                    .formatted(load.linkDelay.toMillis(), load.jitter.toMillis()));
            var primary = cluster.primary("postgres-primary");
            Pagila.loadOnto(primary, options.dataset, options.scale, lab);
            var remote = cluster.remoteStandby(primary, "postgres-standby", load.linkDelay, load.jitter);
            var standby = remote.node();
            var link = remote.link();
            var rtt = LinkProbe.start(primary, link, Duration.ofMillis(200));

            lab.step("2.1", "Run a Mixed Workload");
            lab.say("""
                    New rentals (a rental, its payment and the client's key, in one transaction) go to the primary
                    at %.0f per second; customers browse films on the standby at %.0f per second. Arrivals follow a
                    fixed schedule, so a slow server shows as latency, not as fewer requests.""".formatted(
                    load.rate, load.readRate));
            var trafficAtStart = link.traffic();
            var run = MeasuredPhase.start(lab, load.driver(lab, k6), primary, standby, "workload starts");
            run.watch(Duration.ofSeconds(Math.min(5, runFor.toSeconds())));

            lab.step("2.2", "Observe the Lag");
            lab.say("""
                    The primary reports each standby's progress in pg_stat_replication: write_lag, flush_lag and
                    replay_lag time recent WAL from the primary's own flush until the standby's reply that it wrote,
                    flushed or replayed it arrives: the WAL's trip there and the reply's trip back, so a standby that
                    keeps up still shows about one round trip (measured: %s). Idle and caught up, they go NULL.
                    How stale a read there is, is its replay position against the primary's current one, which the lab
                    samples too (bytes behind). The follower is always slightly behind: eventual consistency."""
                    .formatted(Report.rtt(rtt)));
            lab.show(primary, "SELECT * FROM pg_stat_replication");
            run.watch(runFor.minusSeconds(Math.min(5, runFor.toSeconds())));

            lab.step("2.3", "The \"Async\" Failure Test (RPO > 0)");
            lab.say(fault == Fault.zone ? """
                    The primary's zone fails: its network is cut, then its process killed. WAL on its way to the standby,
                    and what the primary still acknowledges before the kill lands, never arrive; the clients heard "committed"."""
                    : """
                    The primary's process is killed (like docker kill). Its machine survives, so the network still
                    delivers what the WAL sender had sent: expect little or no loss. Try --fault zone.""");
            var failure = run.endWith(fault, cluster, primary, link, standby, Duration.ofSeconds(3));
            var results = failure.results();
            var audit = failure.audit();
            Report.show(lab, audit, load.users);
            // every ratio and percentile below covers the same writes, however long the teacher paused
            var untilFault = run.window("fault", failure.faultNanos() / 1e9);
            var traffic = failure.trafficAtFault().since(trafficAtStart);
            long ackedUntilFault = untilFault.acked(results.ledger()).size();

            lab.step("Outcome", "Speed versus data loss");
            var writeLatency = Latency.ofAcknowledgedWrites(results.ledger(), untilFault, "before the crash");
            lab.result(String.format("Writes: p50 %s, p99 %s (commit on the primary only). Replication traffic: %,d bytes "
                            + "to the standby, %,d back, %,d bytes per acknowledged write. Lost: %d acknowledged writes, "
                            + "RPO %.0f ms.", Latency.text(writeLatency, 50), Latency.text(writeLatency, 99),
                    traffic.toStandby(), traffic.fromStandby(), traffic.toStandbyPer(ackedUntilFault),
                    audit.lostAcked(), audit.rpoMs()));
            lab.say("""
                    Asynchronous replication answers "committed" once the primary's own disk has the commit: fast writes.
                    What the standby had not received when the primary died is on that dead primary's disk only: failing
                    over to the standby loses it, although the client was told it was saved.%s""".formatted(audit.lostAcked() > 0 ? ""
                    : " This time the standby had received it all: try again, or a higher --rate."));

            Report.writes(summary, results.ledger()).set("window", run.untilStop().json());
            Report.lag(summary, untilFault.sampled(run.lag().samples())).set("window", untilFault.json());
            Report.latency(summary, untilFault, writeLatency).set("read", Latency.json(Latency.ofReads(results.reads(), untilFault)));
            Report.failure(summary, audit).set("window", run.untilStop().json());
            Report.link(summary, link, rtt, load.linkDelay, load.jitter).set("window", rtt.window(lab.startNanos(), "fault").json());
            Report.traffic(summary, traffic, ackedUntilFault).set("window", untilFault.json());
            Report.settings(summary, load).put("configuredFault", fault.name()).put("configuredRunForSeconds", runFor.toSeconds());
            summary.put("postgresVersion", standby.version());

            var perSecond = Report.csv(Timeline.perSecond(results), lab.out().resolve("per-second.csv"));
            var lagTable = Report.csv(run.lag().table(), lab.out().resolve("lag.csv"));
            results.ledger().writeCsv(lab.out().resolve("writes.csv"));
            new Plots(lab).save("lag.png", Charts.lag(List.of(Series.of("replay lag", lagTable, "t_s", "replay_lag_ms")), run.events()))
                    .save("throughput.png", Charts.throughput(results.ledger(), run.events()))
                    .save("write-timeline.png", Charts.writeTimeline(results.ledger(), audit, failure.faultNanos() / 1e9, run.events()))
                    .save("latency.png", Charts.latencyPerSecond(List.of(Percentiles.of(perSecond, "write"),
                            Percentiles.of(perSecond, "read")), run.events()));
        }
        lab.writeSummary();
        return 0;
    }
}
