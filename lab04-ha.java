///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import labkit.cluster.HealthCheck;
import labkit.cluster.ServerLog;
import labkit.cluster.TimelineHistory;
import labkit.measure.Fingerprint;
import labkit.measure.FollowerOutage;
import labkit.measure.LagSampler;
import labkit.measure.Rejoin;
import labkit.measure.SlotRetention;
import labkit.measure.Timeline;
import labkit.notebook.Charts;
import labkit.notebook.Checked;
import labkit.notebook.Charts.Series;
import labkit.notebook.DurationConverter;
import labkit.notebook.FollowerFailure;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.notebook.LiveRun;
import labkit.notebook.ManualFailover;
import labkit.notebook.Report;
import labkit.notebook.SyncMode;
import labkit.notebook.WorkloadOptions;
import labkit.workload.Pagila;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "lab04-ha", mixinStandardHelpOptions = true, version = "pglab 0.1.0", sortOptions = false,
        description = {"Module 4: High Availability Demos (Reacting to Failure).",
                "One workload runs through the whole lab.",
                "4.1 stops the standby for --outage, in sync mode (writes stall) and in",
                "    async mode (writes go on), starts it again and measures its catch-up.",
                "4.2 fails the primary (--leader-fault), promotes the standby, re-routes the",
                "    writes and measures the RTO; then brings the old primary back as a",
                "    follower (pg_rewind) and checks that both nodes hold the same data.",
                "Results: out/lab04/summary.json, CSV and PNG charts."})
class Lab04 implements Callable<Integer>, Checked {
    /** Steady workload before each fault, so that the charts show the normal rate first. */
    private static final Duration STEADY = Duration.ofSeconds(4);
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(100);
    private static final Duration CATCH_UP = Duration.ofMinutes(5);
    /** The lab declares the primary down after this many failed health checks in a row, one a second. */
    private static final int HEALTH_CHECKS = 3;

    @Mixin LabOptions options;
    @Mixin WorkloadOptions load;

    @Option(names = "--outage", defaultValue = "30s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long the standby stays down in 4.1, in each mode. Default: ${DEFAULT-VALUE}.")
    Duration outage;

    @Option(names = "--leader-fault", defaultValue = "crash", paramLabel = "crash|stop",
            description = "4.2: crash = the primary's zone fails (process killed, network cut), so it keeps WAL the "
                    + "standby never got; stop = a clean stop (docker compose stop). Default: ${DEFAULT-VALUE}.")
    ManualFailover.Fault leaderFault;

    public static void main(String... args) {
        Lab.main(new Lab04(), args);
    }

    /** An outage shorter than a second is over before the samplers (10 per second) and the charts can show it. */
    @Override
    public void check() {
        Checked.requireBetween("--outage", outage, Duration.ofSeconds(1), Duration.ofMinutes(30));
        // writes.csv has every write: the two outages of 4.1, and about 30 s around them and the
        // failover (88 s of writes at the defaults, with 30 s outages)
        options.requireRoomForWrites(load.rate * (2 * outage.toSeconds() + 30));
    }

    private Lab lab;

    @Override
    public Integer call() throws Exception {
        lab = Lab.start("lab04", "Module 4: High Availability Demos (Reacting to Failure)", options);
        var summary = lab.summary();
        try (var cluster = lab.cluster()) {
            var k6 = load.k6(cluster.composeCommand());

            lab.step("4.0", "The cluster of Module 2, with the standby in another region");
            lab.say("""
                    postgres-standby streams from postgres-primary through a link that delays each packet by %d ms
                    each way (±%d ms). One workload runs through the whole lab, as a k6 script would: new rentals
                    arrive at %.0f writes per second on a fixed schedule, whatever the servers do, and customers
                    browse films on the standby.""".formatted(load.linkDelay.toMillis(), load.jitter.toMillis(), load.rate));
            var primary = cluster.primary("postgres-primary");
            Pagila.loadOnto(primary, options.dataset, options.scale, lab);
            var remote = cluster.remoteStandby(primary, "postgres-standby", load.linkDelay, load.jitter);
            var standby = remote.node();

            lab.step("4.1", "Demo: Follower Failure (Catch-up Recovery), in Sync mode");
            lab.say("First the primary waits at every commit for postgres-standby (Module 3); a reload is enough.");
            SyncMode.on(lab, cluster, primary, standby, "on");
            var workload = load.driver(lab, k6);
            workload.start(primary, standby);
            var lag = LagSampler.start(lab.startNanos(), primary, standby, SAMPLE_EVERY);
            var slot = SlotRetention.start(lab.startNanos(), primary, standby.name(), SAMPLE_EVERY);
            var run = new LiveRun(lab, workload, load.rate, lag, STEADY);
            run.mark("sync mode");
            var sync = FollowerFailure.demo(run, "sync", primary, standby, outage);

            lab.step("4.1", "Demo: Follower Failure (Catch-up Recovery), in Async mode");
            lab.say("""
                    The same outage with the default, asynchronous replication: the primary waits for nobody. While the
                    standby is down, its slot makes the primary keep the WAL it has not received, up to max_slot_wal_keep_size
                    (a standby gone for good must not fill the disk). Past that the slot is "unreserved", then "lost" once a
                    checkpoint removes the WAL: the standby needs a new base backup, unless an archive has it (restore_command).""");
            lab.show(primary, "SHOW max_slot_wal_keep_size");
            SyncMode.off(lab, cluster, primary, standby);
            run.mark("async mode");
            var async = FollowerFailure.demo(run, "async", primary, standby, outage);

            lab.step("4.2", "Demo: Leader Failure (Manual Failover)");
            lab.say(leaderFault == ManualFailover.Fault.crash ? """
                    The workload goes on writing to postgres-primary in async mode. Then its zone fails: the process is
                    killed and its network cut at the same moment (Module 2), so WAL on its way to the standby never
                    arrives, although the clients were told "committed"."""
                    : "The workload goes on in async mode. Then postgres-primary is stopped cleanly (docker compose stop).");
            var check = new HealthCheck(primary, HEALTH_CHECKS, Duration.ofSeconds(1));
            var failover = ManualFailover.demo(run, leaderFault, primary, standby, remote.link(), check);
            lag.close();
            slot.close();

            lab.step("4.2", "Bring the Old Primary Back as a Follower");
            var history = TimelineHistory.of(standby);
            lab.say("""
                    postgres-primary must not simply start again: it would be a second primary (split brain). It must
                    follow the new timeline: pg_rewind undoes what it wrote after the fork point that the new primary
                    never got, copying those blocks back from the new primary, then it starts as a standby. Timeline
                    %d's history file names the fork point:""".formatted(history.timeline()));
            lab.show(standby, history.query());
            var backSlot = SlotRetention.start(lab.startNanos(), standby, primary.name(), SAMPLE_EVERY);
            var rewind = cluster.rejoinAsStandby(primary, standby, load.linkDelay, load.jitter);
            run.mark("rejoined");
            lab.say(rewind.describe());
            var rejoinLag = LagSampler.start(lab.startNanos(), standby, primary, SAMPLE_EVERY);
            run.follow(rejoinLag);
            lab.show(standby, "SELECT application_name, state, sync_state FROM pg_stat_replication");
            lab.say("Its log: it recovers, then streams from the new primary on timeline " + history.timeline() + ".");
            ServerLog.storyFrom(primary, "starting PostgreSQL", 20).forEach(lab::result);
            run.watch(Duration.ofSeconds(2));
            run.awaitBacklog(Duration.ofMinutes(2));
            var results = run.stop();
            standby.waitForCatchup(primary, CATCH_UP);
            rejoinLag.close();
            backSlot.close();

            lab.say("The writes postgres-primary was sent, audited on the new primary (acknowledged but absent there: lost):");
            var all = results.ledger();
            var rejoin = Rejoin.check(all, failover.faultNanos(), standby, primary, rewind, history);
            lab.table(Report.audit(rejoin.onNewPrimary()));
            if (rejoin.onNewPrimary().lostAcked() > 0) {
                lab.table(Report.lostWrites(rejoin.onNewPrimary(), 5));
            }
            long lost = rejoin.onNewPrimary().lostAcked();
            lab.result((lost == 0 ? "No acknowledged write is missing on the new primary: nothing for the rejoin to discard."
                    : lost + " acknowledged writes never reached the new primary (Module 2's RPO). The old primary had "
                    + "committed them; " + (rejoin.lostDiscardedOnOldPrimary() ? "the rejoin discarded exactly those there too."
                    : "yet " + rejoin.onOldPrimary().lostAcked() + " are missing on it now: the nodes differ.")));
            lab.say("Both nodes, row by row (the keys of every write, hashed in order):");
            lab.command(standby.psqlCommand() + " -c \"" + Fingerprint.QUERY + "\"");
            lab.table(rejoin.data().rows());

            lab.step("Outcome", "Catch-up recovery and failover");
            lab.result("Follower outage: --outage %s; measured from the standby's shutdown to its accepting connections again."
                    .formatted(outage.toMillis() / 1000.0 + " s"));
            lab.result(sync.describe(all));
            lab.result(async.describe(all));
            lab.result("Leader " + leaderFault + ": " + failover.describe());
            lab.result(rewind.describe() + " Same data on both nodes: " + (rejoin.data().equal() ? "yes." : "NO."));
            lab.say("""
                    A follower heals itself: it reconnects, replays what it missed, and nothing is lost. In sync mode
                    the clients paid for the outage instead of the standby: a single synchronous standby is a single
                    point of failure for writes (name two, e.g. 'ANY 1 (s1, s2)', or accept async). A leader does not
                    heal itself: someone, or a tool such as Patroni, must detect the failure, promote a standby and
                    move the clients, and detection is most of the RTO. After a crash in async mode, what the old
                    primary acknowledged but had not sent is lost, and its rewind throws it away there too.""");

            summary.set("followerFailure", FollowerOutage.summary(outage, sync, async, all));
            summary.set("failover", failover.json().put("leaderFault", leaderFault.name()).setAll(rejoin.json()));
            Report.writes(summary, all).set("window", run.untilStop().json());
            Report.settings(summary, load).put("configuredOutageSeconds", outage.toMillis() / 1000.0)
                    .put("configuredLeaderFault", leaderFault.name()).put("configuredHealthChecks", HEALTH_CHECKS);
            summary.put("postgresVersion", standby.version());

            var perSecond = Timeline.perSecond(results);
            Report.csv(perSecond, lab.out().resolve("per-second.csv"));
            all.writeCsv(lab.out().resolve("writes.csv"));
            Report.csv(slot.table().append(backSlot.table()), lab.out().resolve("catch-up.csv"));
            var plots = summary.putArray("plots");
            plots.add(save(Charts.throughput(all, run.events()), "throughput.png"));
            plots.add(save(Charts.catchUp("Catching up: WAL the primary keeps for its standby's slot", List.of(
                    new Series(standby.name() + " (slot on " + primary.name() + ")", slot.times(), slot.retainedBytes()),
                    new Series(primary.name() + ", rejoining (slot on " + standby.name() + ")", backSlot.times(),
                            backSlot.retainedBytes())), run.events()), "catch-up.png"));
            plots.add(save(Charts.latencyPerSecond(List.of(Charts.Percentiles.of(perSecond, "write")), run.events()),
                    "latency.png"));
        }
        lab.writeSummary();
        return 0;
    }

    private String save(org.knowm.xchart.XYChart chart, String file) {
        Charts.save(chart, lab.out().resolve(file));
        return file;
    }
}
