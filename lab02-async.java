///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import labkit.cluster.Cluster;
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
class Lab02 implements Callable<Integer> {
    enum Fault { zone, process }

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

    @Override
    public Integer call() throws Exception {
        var lab = Lab.start("lab02", "Module 2: Asynchronous Replication (The Default & The \"Lag\")", options);
        var summary = lab.summary();
        summary.put("mode", "async");
        var events = new ArrayList<Event>();
        try (var cluster = Cluster.create(lab.clusterOptions(), lab)) {
            summary.put("runtime", cluster.runtime());
            var k6 = load.k6(cluster.composeCommand());

            lab.step("2.0", "The cluster of Module 1, with the standby in another region");
            lab.say("""
                    The standby streams from the primary through a link the lab owns, which delays every packet
                    by %s each way (±%s): a standby in another region. The link also counts the replication
                    traffic.""".formatted(load.linkDelay.toMillis() + " ms", load.jitter.toMillis() + " ms"));
            var primary = cluster.primary("postgres-primary");
            Pagila.loadOnto(primary, options.dataset, options.scale, lab);
            var remote = cluster.remoteStandby(primary, "postgres-standby", load.linkDelay, load.jitter);
            var standby = remote.node();
            var link = remote.link();

            lab.step("2.1", "Run a Mixed Workload");
            lab.say("""
                    New rentals (a rental, its payment and the client's key, in one transaction) go to the primary
                    at %.0f per second; customers browse films on the standby at %.0f per second. Arrivals follow a
                    fixed schedule, so a slow server shows as latency, not as fewer requests.""".formatted(
                    load.rate, load.readRate));
            var workload = load.driver(lab, k6);
            workload.start(primary, standby);
            var lag = LagSampler.start(lab.startNanos(), primary, standby, Duration.ofMillis(100));
            long toStandbyAtStart = link.bytesToStandby();
            long fromStandbyAtStart = link.bytesFromStandby();
            events.add(new Event(lab.elapsed(), "workload starts"));
            var monitor = new Monitor(lab, workload.ledger(), lag);
            monitor.watch(Duration.ofSeconds(Math.min(5, runFor.toSeconds())));

            lab.step("2.2", "Observe the Lag");
            lab.say("""
                    The primary reports each standby's progress in pg_stat_replication: how long ago the newest WAL it
                    sent was written (write_lag), flushed (flush_lag) and replayed (replay_lag) there. This is eventual
                    consistency in action: the follower is always slightly behind.""");
            lab.show(primary, "SELECT * FROM pg_stat_replication");
            monitor.watch(runFor.minusSeconds(Math.min(5, runFor.toSeconds())));
            var lagBeforeKill = lag.samples();
            long bytesToStandby = link.bytesToStandby() - toStandbyAtStart;
            long bytesFromStandby = link.bytesFromStandby() - fromStandbyAtStart;

            lab.step("2.3", "The \"Async\" Failure Test (RPO > 0)");
            lab.say(fault == Fault.zone ? """
                    The primary's zone fails: its process is killed and its network cut at the same moment, so WAL
                    still on its way to the standby never arrives. The clients were already told "committed"."""
                    : """
                    The primary's process is killed (like docker kill). Its machine survives, so the kernel still
                    delivers what the WAL sender had handed it: expect little or no loss. Try --fault zone.""");
            lab.command(cluster.runtime().equals("docker") ? "docker compose kill postgres-primary" : "kill -9 <postmaster pid>");
            events.add(new Event(lab.elapsed(), "primary killed"));
            if (fault == Fault.zone) {
                link.cut();
            }
            primary.kill();
            lab.event("Killed node \"" + primary.name() + "\" (" + fault + " failure)");
            monitor.watch(Duration.ofSeconds(3));
            var results = workload.stop();
            lag.close();
            standby.waitForReplayOfReceived(Duration.ofSeconds(30));
            var audit = Audit.on(results.ledger(), standby);
            lab.table(Report.audit(audit));
            if (audit.lostAcked() > 0) {
                lab.say("These writes were acknowledged to the client, and they are gone:");
                lab.table(Report.lostWrites(audit, 5));
            } else {
                lab.say("No acknowledged write was lost this time: the standby had received everything.");
            }

            lab.step("Outcome", "Speed versus data loss");
            var writeLatency = Latency.ofWrites(results.ledger());
            var readLatency = Latency.ofReads(results.reads());
            lab.result(String.format("Writes: p50 %.1f ms, p99 %.1f ms (commit on the primary only). "
                            + "Replication traffic: %,d bytes to the standby, %,d back, %,.0f bytes per acknowledged write.",
                    Latency.percentileMs(writeLatency, 50), Latency.percentileMs(writeLatency, 99), bytesToStandby,
                    bytesFromStandby, (double) bytesToStandby / Math.max(1, results.ledger().ok())));
            lab.say("""
                    Asynchronous replication answers "committed" as soon as the primary's own disk has the commit.
                    That keeps writes fast, but whatever the standby had not yet received when the primary died is
                    lost, although the client was told it was saved.""");

            Report.writes(summary, results.ledger());
            Report.lag(summary, lagBeforeKill);
            var latency = summary.putObject("latency");
            latency.set("write", Latency.json(writeLatency));
            latency.set("read", Latency.json(readLatency));
            Report.failure(summary, audit);
            summary.putObject("traffic").put("bytesToStandby", bytesToStandby).put("bytesFromStandby", bytesFromStandby)
                    .put("bytesPerAckedWrite", bytesToStandby / Math.max(1, results.ledger().ok()));
            summary.putObject("settings").put("rate", load.rate).put("readRate", load.readRate)
                    .put("linkDelayMs", load.linkDelay.toMillis()).put("jitterMs", load.jitter.toMillis())
                    .put("fault", fault.name()).put("runForSeconds", runFor.toSeconds());
            summary.put("postgresVersion", standby.version());

            var perSecond = Timeline.perSecond(results);
            Report.csv(perSecond, lab.out().resolve("per-second.csv"));
            var lagTable = lag.table();
            Report.csv(lagTable, lab.out().resolve("lag.csv"));
            results.ledger().writeCsv(lab.out().resolve("writes.csv"));
            var plots = summary.putArray("plots");
            plots.add(save(lab, Charts.lag(List.of(Series.of("replay lag", lagTable, "t_s", "replay_lag_ms")), events), "lag.png"));
            plots.add(save(lab, Charts.throughput(results.ledger(), events), "throughput.png"));
            plots.add(save(lab, Charts.latencyPerSecond(List.of(Percentiles.of(perSecond, "write"),
                    Percentiles.of(perSecond, "read")), events), "latency.png"));
        }
        lab.writeSummary();
        return 0;
    }

    private static String save(Lab lab, org.knowm.xchart.XYChart chart, String file) {
        Charts.save(chart, lab.out().resolve(file));
        return file;
    }
}
