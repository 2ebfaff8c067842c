///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7
//DEPS tech.tablesaw:tablesaw-core:0.44.4

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import labkit.cluster.DockerPatroni;
import labkit.cluster.Env;
import labkit.cluster.LabException;
import labkit.cluster.LocalPatroni;
import labkit.cluster.Patroni;
import labkit.cluster.PatroniConfig;
import labkit.cluster.PatroniNode;
import labkit.cluster.PgBinaries;
import labkit.cluster.PgInstall;
import labkit.cluster.Ports;
import labkit.notebook.CascadingStandby;
import labkit.notebook.Checked;
import labkit.notebook.Charts;
import labkit.notebook.Lab;
import labkit.notebook.Lab04Failover;
import labkit.notebook.LabOptions;
import labkit.notebook.PatroniFailover;
import labkit.notebook.PatroniRejoin;
import labkit.notebook.PatroniRun;
import labkit.notebook.Plots;
import labkit.notebook.QuorumCommits;
import labkit.notebook.Report;
import labkit.notebook.SplitBrain;
import labkit.notebook.WorkloadOptions;
import labkit.notebook.WritesPerSecond;
import labkit.workload.Endpoint;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Pagila;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "lab07-autofailover", mixinStandardHelpOptions = true, version = "pglab 0.1.0", sortOptions = false,
        description = {"Automated failover with Patroni and etcd, quorum commits, a cascading",
                "standby. The workload of Module 2 writes through a multi-host JDBC URL while",
                "Patroni does what lab04 did by hand.",
                "7.1 the managed cluster; 7.2 the leader's node fails (RTO from the ledger,",
                "    in phases); 7.3 the old leader rejoins (pg_rewind); 7.4 only Patroni",
                "    dies: two primaries; 7.5 quorum commits, ANY 1 of two standbys;",
                "    7.6 a cascading standby.",
                "Ports: --port N is the first of 32 (servers from N, their links from N+10,",
                "Patroni's REST APIs from N+20, etcd on N+30 and N+31).",
                "The built-in workload only (--load builtin), through PgJDBC's multi-host URL.",
                "Results: out/lab07/summary.json, CSV and PNG charts."})
class Lab07 implements Callable<Integer>, Checked {
    private static final Duration STEADY = Duration.ofSeconds(4);
    private static final String PRIMARY = "postgres-primary";
    private static final String STANDBY = "postgres-standby";
    /** PgJDBC's defaults are 10 s to connect and no limit on an answer: both are set, and printed. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Longer than the commits of 7.5 wait for a standby, so that they show as waits and not as broken connections. */
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(15);

    /** Servers from --port, their links from +10, Patroni's REST APIs from +20, etcd on +30 and +31. */
    @Mixin LabOptions options = new LabOptions().usingPorts(Patroni.PORTS);
    @Mixin WorkloadOptions load;

    @Option(names = "--ttl", defaultValue = "10", paramLabel = "SECONDS",
            description = "Patroni's ttl: how long the leader key outlives its leader. Default: ${DEFAULT-VALUE}.")
    int ttl;

    @Option(names = "--loop-wait", defaultValue = "2", paramLabel = "SECONDS",
            description = "Patroni's loop_wait: how often each member wakes up. Default: ${DEFAULT-VALUE}.")
    int loopWait;

    @Option(names = "--retry-timeout", defaultValue = "4", paramLabel = "SECONDS",
            description = "Patroni's retry_timeout for etcd and PostgreSQL calls. Default: ${DEFAULT-VALUE}.")
    int retryTimeout;

    @Option(names = "--manual-from", paramLabel = "FILE",
            description = "lab04's summary.json to compare the manual failover with. Default: out/lab04/summary.json.")
    Path manualFrom;

    public static void main(String... args) {
        Lab.main(new Lab07(), args);
    }

    /** Patroni's own rule: a leader must be able to retry a failed etcd update twice within one ttl. */
    @Override
    public void check() {
        Checked.require(loopWait >= 1, "--loop-wait", loopWait, "at least 1 (seconds)");
        Checked.require(retryTimeout >= 1, "--retry-timeout", retryTimeout, "at least 1 (seconds)");
        Checked.require(ttl >= loopWait + 2 * retryTimeout && ttl <= 3600, "--ttl", ttl, "at least --loop-wait + 2 * "
                + "--retry-timeout (here " + (loopWait + 2 * retryTimeout) + ", Patroni's rule) and at most 3600 (seconds)");
    }

    private Lab lab;

    @Override
    public Integer call() throws Exception {
        var timing = new PatroniConfig.Timing(ttl, loopWait, retryTimeout);
        if (!load.load.equals("builtin")) {
            throw new LabException("lab07 runs the built-in workload only (--load builtin): it writes through a "
                    + "multi-host JDBC URL and records which node each write reached");
        }
        // decided before anything starts, as for the other labs: Docker when an engine answers and has the images
        var notOnDocker = options.runtime.equals("local") ? java.util.Optional.<DockerPatroni.Unavailable>empty()
                : DockerPatroni.unavailable(dockerMajor());
        String runtime = switch (options.runtime) {
            case "auto" -> notOnDocker.isEmpty() ? "docker" : "local";
            case "docker" -> {
                if (notOnDocker.isPresent()) {
                    throw new LabException(notOnDocker.get().why() + ": " + notOnDocker.get().remedy() + ", or use --runtime local");
                }
                yield "docker";
            }
            case "local" -> "local";
            default -> throw new LabException("--runtime must be auto, docker or local (got \"" + options.runtime + "\")");
        };
        if (runtime.equals("local")) {
            try {
                LocalPatroni.requireInstalled(); // before anything starts: one line naming what is missing
            } catch (LabException e) {
                throw notOnDocker.map(no -> new LabException(no.why() + " (Docker: " + no.remedy() + "), and "
                        + e.getMessage())).orElse(e);
            }
        }
        lab = Lab.start("lab07", "Automated failover with Patroni and etcd", options);
        notOnDocker.filter(no -> runtime.equals("local")).ifPresent(no -> lab.result(no.why()
                + ": running Patroni, etcd and PostgreSQL on this machine (--runtime local); " + no.remedy() + "."));
        var summary = lab.summary();
        try (var ha = openCluster(runtime, timing)) {
            summary.put("runtime", ha.runtime());
            var run = new PatroniRun(lab, ha);

            lab.step("7.1", "The managed cluster");
            var primary = managedCluster(run);
            var standby = ha.node(STANDBY);
            var workload = load.builtin(lab);
            run.follow(workload.ledger());
            var writes = Endpoint.multiHost(List.of(primary, standby), "primary", CONNECT_TIMEOUT, SOCKET_TIMEOUT);
            var reads = Endpoint.multiHost(List.of(primary, standby), "preferSecondary", CONNECT_TIMEOUT, SOCKET_TIMEOUT);
            lab.say("The workload of Module 2 writes through one URL that names both nodes; the driver picks the one "
                    + "that accepts writes:");
            lab.command(writes.url());
            workload.start(writes, reads);
            run.mark("workload");

            lab.step("7.2", "The leader's node fails");
            double failoverFrom = lab.elapsed();
            var failover = PatroniFailover.demo(run, primary, standby, STEADY);

            lab.step("7.3", "Rejoin without hands");
            var rejoin = PatroniRejoin.demo(run, primary, standby, failover.audit());

            lab.step("7.4", "What fencing is for");
            var split = SplitBrain.demo(run, standby, primary, writes, load.rate, load.users);
            double failoverTo = lab.elapsed();

            lab.step("7.5", "Quorum commits");
            var quorum = QuorumCommits.demo(run, primary, standby, "postgres-standby-2", load.linkDelay, load.jitter);
            double quorumTo = lab.elapsed();

            lab.step("7.6", "A cascading standby");
            var cascade = CascadingStandby.demo(run, primary, standby, "postgres-cascade");

            var results = workload.stop();
            lab.step("Outcome", "Patroni against the manual failover of Module 4");
            var manual = Lab04Failover.read(lab, manualFrom != null ? manualFrom : Env.get().root().resolve("out/lab04/summary.json"));
            lab.table(Lab04Failover.comparison("Patroni", failover.rto(), manual));
            lab.say("""
                    Detection is most of both RTOs. lab04's script declares the primary down after a few failed checks; Patroni
                    waits until the leader key's ttl runs out: the old leader's time to demote itself. The key says whom Patroni
                    promotes, not who acts as primary: in 7.4 PostgreSQL went on without its Patroni (only a watchdog that
                    resets the machine enforces it), and failsafe_mode keeps a leader that cannot reach etcd primary while every
                    member confirms it. Lower ttl and loop_wait fail over sooner, and also when etcd is merely slow.""");

            summary.set("managed", rejoin.addTo(failover.json()));
            summary.set("manual", manual);
            summary.set("splitBrain", split.json());
            summary.set("quorum", quorum.json());
            summary.set("cascade", cascade.json());
            Report.writes(summary, results.ledger());
            Report.settings(summary, load).put("configuredTtl", ttl).put("configuredLoopWait", loopWait)
                    .put("configuredRetryTimeout", retryTimeout)
                    .put("configuredConnectTimeoutSeconds", CONNECT_TIMEOUT.toSeconds())
                    .put("configuredSocketTimeoutSeconds", SOCKET_TIMEOUT.toSeconds());
            summary.putObject("versions").put("patroni", primary.status().path("patroni").path("version").asText())
                    .put("etcd", ha.etcd().version()).put("postgres", primary.version());

            var all = run.writes(w -> true); // both application servers
            all.writeCsv(lab.out().resolve("writes.csv"));
            new Plots(lab).save("throughput.png", Charts.throughput(results.ledger(), run.events()))
                    .save("failover.png", WritesPerSecond.between(all, failoverFrom, failoverTo)
                            .line(PRIMARY, w -> w.outcome() == Outcome.OK && w.node().equals(PRIMARY))
                            .line(STANDBY, w -> w.outcome() == Outcome.OK && w.node().equals(STANDBY))
                            .line("failed or unknown", w -> w.outcome() != Outcome.OK)
                            .chart("7.2-7.4: writes acknowledged per second, by node", run.events()))
                    .save("quorum.png", WritesPerSecond.between(all, failoverTo, quorumTo)
                            .line("acknowledged", w -> w.outcome() == Outcome.OK)
                            .line("failed or unknown", w -> w.outcome() != Outcome.OK)
                            .chart("7.5: writes per second with ANY 1 of two standbys", run.events()));
            if (options.keep) {
                ha.members().stream().filter(PatroniNode::isRunning)
                        .forEach(m -> lab.result(m.name() + ": " + m.psqlCommand() + "    (Patroni: " + m.rest().url("/patroni") + ")"));
                lab.result("The cluster stays up (--keep). Tear it down with:\n  " + ha.keep());
            }
        }
        lab.writeSummary();
        return 0;
    }

    /** Processes of this machine, or compose.ha.yaml's containers; ports in one block from --port. */
    /** The members' PostgreSQL major on Docker: --pg-version, else PG_MAJOR. */
    private String dockerMajor() {
        return options.pgVersion != null ? options.pgVersion : Env.get().pgMajor();
    }

    private Patroni openCluster(String runtime, PatroniConfig.Timing timing) {
        int base = Ports.block(options.port, 15432, Patroni.PORTS);
        Path logs = lab.out().resolve("logs");
        if (runtime.equals("docker")) {
            return DockerPatroni.start("pglab-lab07", dockerMajor(), base, timing, lab, logs);
        }
        PgInstall pg = PgBinaries.find(options.pgBin, options.pgVersion, false, lab::progress);
        lab.event("Using PostgreSQL " + pg.version() + " from " + pg.binDir());
        return LocalPatroni.start("pglab", pg, base, timing, lab, logs);
    }

    /** 7.1: etcd, a leader with Pagila, a replica; Patroni's view and its timing settings. */
    private PatroniNode managedCluster(PatroniRun run) {
        var ha = run.ha();
        lab.say("""
                etcd keeps the cluster's state: who leads (a key with a lease), the members, the settings. One
                etcd member is enough for a lab; production runs three or five, so that the store itself
                survives a failure. Each node runs Patroni, which runs its PostgreSQL: the first one
                bootstraps the cluster and takes the leader key, the next one clones it and follows. Each
                node sits in its own zone: the others reach it through its link (its connect_address),
                which delays each packet by %d ms each way, so WAL takes that long to reach a replica.""".formatted(
                load.linkDelay.toMillis()));
        lab.command(ha.etcdCommand());
        var primary = ha.start(PRIMARY, Map.of());
        lab.command(primary.startCommand());
        try (Connection c = primary.connect()) {
            var dataset = Pagila.load(c, options.dataset, options.scale, lab::progress);
            lab.result(String.format(Locale.ROOT, "Loaded the %s Pagila (scale %d) in %.1f s through the leader.",
                    dataset.source(), dataset.scale(), dataset.seconds()));
        } catch (SQLException e) {
            throw new LabException("cannot load Pagila on " + PRIMARY + ": " + e.getMessage());
        }
        var standby = ha.start(STANDBY, Map.of());
        ha.awaitStreaming(primary, standby);
        // each node's link is its network: what the others send it is delayed as between two regions
        ha.members().forEach(m -> ha.link(m.name()).delay(load.linkDelay, load.jitter));
        run.watchLeaderKey();
        lab.say("Patroni's view of the cluster:");
        lab.command(primary.listCommand());
        lab.result(ha.list());
        lab.command("curl -s " + primary.rest().url("/cluster"));
        lab.result(ha.clusterLines());
        lab.say("""
                The timing settings (they live in etcd, shared by every member) decide the RTO. The leader renews
                its key every loop_wait; when its node dies the key lives on until its ttl runs out; only then
                may a replica take it and promote itself. So detection alone takes between ttl − loop_wait and
                ttl; retry_timeout is how long a member retries etcd or PostgreSQL before it gives up its role.
                Patroni wants loop_wait + 2 × retry_timeout ≤ ttl: the leader can miss one renewal and retry.
                A busy machine makes etcd answer late, and a leader that cannot renew within retry_timeout
                demotes itself, healthy or not; failsafe_mode (on here) keeps it primary while every member
                confirms it over the REST API. Production runs three or five etcd members, whose heartbeat
                and election timeouts (100 ms, 1 s) must fit their network's round trip.""");
        lab.command("curl -s " + primary.rest().url("/config"));
        var config = primary.rest().config();
        lab.result(String.format(Locale.ROOT, "ttl %d s, loop_wait %d s, retry_timeout %d s, failsafe_mode %s: expect the "
                        + "leader key to expire %d-%d s after the leader's node dies.", config.path("ttl").asInt(),
                config.path("loop_wait").asInt(), config.path("retry_timeout").asInt(),
                config.path("failsafe_mode").asBoolean(), config.path("ttl").asInt() - config.path("loop_wait").asInt(),
                config.path("ttl").asInt()));
        return primary;
    }
}
