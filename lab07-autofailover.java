///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7
//DEPS tech.tablesaw:tablesaw-core:0.44.4

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import labkit.cluster.CommitProbe;
import labkit.cluster.EtcdWatch;
import labkit.cluster.LabException;
import labkit.cluster.DockerPatroni;
import labkit.cluster.LocalPatroni;
import labkit.cluster.Patroni;
import labkit.cluster.PatroniConfig;
import labkit.cluster.PatroniLog;
import labkit.cluster.PatroniNode;
import labkit.cluster.PgBinaries;
import labkit.cluster.PgInstall;
import labkit.cluster.Ports;
import labkit.cluster.PromotionWatch;
import labkit.cluster.Sql;
import labkit.cluster.Wait;
import labkit.measure.Audit;
import labkit.measure.Failover;
import labkit.notebook.Charts;
import labkit.notebook.Charts.Event;
import labkit.notebook.Charts.Series;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.notebook.Report;
import labkit.notebook.StatusLine;
import labkit.notebook.WorkloadOptions;
import labkit.workload.Endpoint;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Pagila;
import labkit.workload.Workload;
import org.knowm.xchart.XYChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

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
class Lab07 implements Callable<Integer> {
    private static final Duration STEADY = Duration.ofSeconds(4);
    private static final String PRIMARY = "postgres-primary";
    private static final String STANDBY = "postgres-standby";
    private static final String STANDBY_2 = "postgres-standby-2";
    private static final String CASCADE = "postgres-cascade";
    /** PgJDBC's defaults are 10 s to connect and no limit on an answer: both are set, and printed. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Longer than the commits of 7.5 wait for a standby, so that they show as waits and not as broken connections. */
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(15);

    @Mixin LabOptions options;
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

    private Lab lab;
    private Patroni ha;
    private EtcdWatch leaderKey;
    private StatusLine live;
    private final List<Event> events = new ArrayList<>();
    private final List<Ledger> ledgers = new ArrayList<>();
    /** 7.2-7.4 and 7.5 on the lab clock (s): the charts of the two parts. */
    private final double[] failoverWindow = new double[2];
    private final double[] quorumWindow = new double[2];

    /**
     * 7.2: the RTO from the ledger (detection ends when the leader key expired, promotion when the
     * replica left recovery), when the key was taken (lab clock, ns), and the old leader's writes audited.
     */
    private record ManagedFailover(Failover rto, long keyTaken, Audit.Result audit) {}

    private record Rejoin(boolean rejoined, double seconds, boolean rewound, long lostAbsentOnOldLeader, int timeline) {}

    private record SplitBrain(long writesOnOld, long writesOnNew, double bothPrimarySeconds, long discarded,
                              long discardedAbsentOnOld, Audit.Result audit) {}

    private record Quorum(String names, long okOneDown, double oneDownSeconds, long stalledSeconds,
                          double bothDownSeconds, long syncRepWaiting, boolean statementTimeoutEnded,
                          String cancelWarning) {}

    private record Cascade(String state, String upstream, double primarySentBytesPerSecond,
                           double forwardedBytesPerSecond, double secondsWithoutUpstream, String upstreamAfter) {}

    @Override
    public Integer call() throws Exception {
        var timing = new PatroniConfig.Timing(ttl, loopWait, retryTimeout);
        if (!load.load.equals("builtin")) {
            throw new LabException("lab07 runs the built-in workload only (--load builtin): it writes through a "
                    + "multi-host JDBC URL and records which node each write reached");
        }
        String runtime = switch (options.runtime) {
            case "auto" -> DockerPatroni.available() ? "docker" : "local";
            case "local", "docker" -> options.runtime;
            default -> throw new LabException("--runtime must be auto, docker or local (got \"" + options.runtime + "\")");
        };
        if (runtime.equals("local")) {
            LocalPatroni.requireInstalled(); // before anything starts: one line naming what is missing
        }
        lab = Lab.start("lab07", "Automated failover with Patroni and etcd", options);
        try (var cluster = openCluster(runtime, timing)) {
            ha = cluster;
            lab.summary().put("runtime", ha.runtime());
            live = new StatusLine(lab, "leader key", () -> ha.leaderInEtcd().orElse("(nobody)"));
            lab.step("7.1", "The managed cluster");
            var primary = managedCluster();
            var standby = ha.node(STANDBY);
            var workload = load.builtin(lab);
            ledgers.add(workload.ledger());
            live.add(workload.ledger());
            var writes = Endpoint.multiHost(List.of(primary, standby), "primary", CONNECT_TIMEOUT, SOCKET_TIMEOUT);
            var reads = Endpoint.multiHost(List.of(primary, standby), "preferSecondary", CONNECT_TIMEOUT, SOCKET_TIMEOUT);
            lab.say("The workload of Module 2 writes through one URL that names both nodes; the driver picks the one "
                    + "that accepts writes:");
            lab.command(writes.url());
            workload.start(writes, reads);
            events.add(new Event(lab.elapsed(), "workload"));

            lab.step("7.2", "The leader's node fails");
            failoverWindow[0] = lab.elapsed();
            var failover = zoneFailure(primary, standby, workload);

            lab.step("7.3", "Rejoin without hands");
            var rejoin = rejoin(primary, standby, failover);

            lab.step("7.4", "What fencing is for");
            var split = splitBrain(standby, primary, workload, writes);

            failoverWindow[1] = lab.elapsed();
            lab.step("7.5", "Quorum commits");
            quorumWindow[0] = lab.elapsed();
            var quorum = quorum(primary, standby);
            quorumWindow[1] = lab.elapsed();

            lab.step("7.6", "A cascading standby");
            var cascade = cascade(primary, standby);

            var results = workload.stop();
            lab.step("Outcome", "Patroni against the manual failover of Module 4");
            var manual = manualFailover();
            lab.table(comparison(failover, manual));
            lab.say("""
                    Detection is most of both RTOs. lab04's script declares the primary down after a few failed
                    checks; Patroni waits until the leader key's ttl runs out, which no partition, slow disk or
                    pause of the leader can cut short: only the key's holder may act as primary. Lower ttl and
                    loop_wait for a faster failover, at the price of failovers when etcd or the leader is merely
                    slow.""");
            report(failover, rejoin, split, quorum, cascade, manual, results.ledger());
            plots(results.ledger());
            lab.summary().putObject("versions").put("patroni", primary.status().path("patroni").path("version").asText())
                    .put("etcd", ha.etcd().version()).put("postgres", primary.version());
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
    private Patroni openCluster(String runtime, PatroniConfig.Timing timing) {
        int base = Ports.block(options.port, 15432, Patroni.PORTS);
        Path logs = lab.out().resolve("logs");
        if (runtime.equals("docker")) {
            String major = options.pgVersion != null ? options.pgVersion : labkit.cluster.Env.get().pgMajor();
            return DockerPatroni.start("pglab-lab07", major, base, timing, lab, logs);
        }
        PgInstall pg = PgBinaries.find(options.pgBin, options.pgVersion, false, lab::progress);
        lab.event("Using PostgreSQL " + pg.version() + " from " + pg.binDir());
        return LocalPatroni.start("pglab", pg, base, timing, lab, logs);
    }

    /** 7.1: etcd, a leader with Pagila, a replica; Patroni's view and its timing settings. */
    private PatroniNode managedCluster() {
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
        waitStreaming(primary, standby);
        // each node's link is its network: what the others send it is delayed as between two regions
        ha.members().forEach(m -> ha.link(m.name()).delay(load.linkDelay, load.jitter));
        leaderKey = ha.etcd().watch(ha.leaderKey(), lab.startNanos());
        lab.say("Patroni's view of the cluster:");
        lab.command(primary.listCommand());
        lab.result(ha.list());
        lab.command("curl -s " + primary.rest().url("/cluster"));
        lab.result(compact(ha.clusterView()));
        lab.say("""
                The timing settings (they live in etcd, shared by every member) decide the RTO. The leader renews
                its key every loop_wait; when its node dies the key lives on until its ttl runs out; only then
                may a replica take it and promote itself. So detection alone takes between ttl − loop_wait and
                ttl; retry_timeout is how long a member retries etcd or PostgreSQL before it gives up its role.""");
        lab.command("curl -s " + primary.rest().url("/config"));
        var config = primary.rest().config();
        lab.result(String.format(Locale.ROOT, "ttl %d s, loop_wait %d s, retry_timeout %d s: expect the leader key to "
                        + "expire %d-%d s after the leader's node dies.", config.path("ttl").asInt(),
                config.path("loop_wait").asInt(), config.path("retry_timeout").asInt(),
                config.path("ttl").asInt() - config.path("loop_wait").asInt(), config.path("ttl").asInt()));
        return primary;
    }

    /** 7.2: kill the leader's Patroni and PostgreSQL and cut its link; measure the RTO from the ledger. */
    private ManagedFailover zoneFailure(PatroniNode leader, PatroniNode replica, Workload workload) {
        lab.say("The writes go to " + leader.name() + ", asynchronously replicated (Patroni's default).");
        live.watch(STEADY);
        var promotion = PromotionWatch.start(replica, lab.startNanos());
        lab.say("Action: the leader's zone fails: Patroni and PostgreSQL are killed and its network is cut at once.");
        lab.command(leader.killCommand());
        long fault = now();
        ha.link(leader.name()).cut(); // first: the WAL still on its way is lost with the zone, as it would be
        leader.kill();
        events.add(new Event(seconds(fault), "zone failure"));
        lab.event("Killed node \"" + leader.name() + "\" (Patroni and PostgreSQL) and cut its link");
        lab.say("Observe: writes fail; the leader key still names the dead leader until its lease runs out.");
        var expired = awaitLeaderKey(fault, EtcdWatch.Change::deleted, "expire");
        events.add(new Event(seconds(expired.nanos()), "key expired"));
        lab.event(String.format(Locale.ROOT, "The leader key expired, %.1f s after the failure", (expired.nanos() - fault) / 1e9));
        var taken = awaitLeaderKey(expired.nanos(), c -> replica.name().equals(c.value()), "be taken by " + replica.name());
        lab.event("\"" + replica.name() + "\" took the leader key");
        long seen = promotion.await(Duration.ofSeconds(60))
                .orElseThrow(() -> new LabException(replica.name() + " took the leader key but was not promoted within 60 s"));
        promotion.close();
        lab.event("\"" + replica.name() + "\" is out of recovery: the new primary");
        var ledger = workload.ledger();
        live.until(() -> firstOkSent(ledger, replica) < Long.MAX_VALUE, Duration.ofSeconds(30),
                replica.name() + " acknowledges a write");
        // The poll (every 20 ms, later on a busy machine) may see the promotion after a client did: a
        // write the new primary acknowledged was sent on a connection that found it writable already.
        long promoted = Math.min(seen, firstOkSent(ledger, replica));
        events.add(new Event(seconds(promoted), "promoted"));
        live.watch(Duration.ofSeconds(2));
        lab.result(ha.list());

        var rto = Failover.measure(ledger, replica.name(), fault, expired.nanos(), promoted);
        // the old leader's writes: everything completed before the new one took over
        var audit = Audit.on(snapshot(w -> w.doneNanos() < promoted, ledger), replica);
        var failover = new ManagedFailover(rto, taken.nanos(), audit);
        lab.table(rto.phases("leader key expired", "Patroni promotes (key expired -> out of recovery)"));
        lab.result(rto.describe());
        lab.say("The writes of the old leader's time (completed before the promotion), audited on the new primary:");
        lab.table(Report.audit(audit));
        lab.say(audit.lostAcked() == 0
                ? "No acknowledged write was lost: everything had reached the replica before the node died."
                : audit.lostAcked() + " acknowledged writes were lost: their WAL had not crossed the link when it was "
                + "cut. With synchronous_mode: true Patroni names the replica in synchronous_standby_names and only "
                + "promotes a replica that was synchronous: no acknowledged write is lost, at the price of Module 3.");
        return failover;
    }

    /** 7.3: start the old leader's Patroni again: it rewinds its server and follows the new leader. */
    private Rejoin rejoin(PatroniNode old, PatroniNode leader, ManagedFailover failover) {
        lab.say("""
                The node comes back (its link too) and Patroni starts on it as before. Nobody tells it what
                happened: it reads the leader key, sees it is not the leader, and turns its server into a
                replica of the new one — with pg_rewind first, since the old timeline went on after the fork.""");
        ha.link(old.name()).restore();
        lab.command(old.startCommand());
        long started = now();
        events.add(new Event(seconds(started), "old leader starts"));
        int logFrom = old.patroniLogMark();
        old.start();
        waitStreaming(leader, old);
        double seconds = (now() - started) / 1e9;
        lab.event(String.format(Locale.ROOT, "\"%s\" streams from \"%s\" again, %.1f s after its Patroni started",
                old.name(), leader.name(), seconds));
        lab.say("Its Patroni log:");
        var story = PatroniLog.story(old.patroniLogSince(logFrom), 12);
        story.forEach(lab::result);
        boolean rewound = story.stream().anyMatch(l -> l.contains("pg_rewind"));
        lab.show(leader, "SELECT application_name, state, sync_state, replay_lag FROM pg_stat_replication");
        int timeline = Integer.parseInt(Sql.scalar(leader, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"), 16);
        leader.waitForCatchup(old, Duration.ofSeconds(60));
        long lostAbsent = lostAbsentOn(old, failover.audit());
        if (!failover.audit().lost().isEmpty()) {
            lab.result(lostAbsent + " of the " + failover.audit().lostAcked()
                    + " lost writes are absent on the old leader too: pg_rewind threw them away.");
        }
        return new Rejoin(true, seconds, rewound, lostAbsent, timeline);
    }

    /** 7.4: kill only Patroni on the leader: without a watchdog its server goes on as a primary. */
    private SplitBrain splitBrain(PatroniNode leader, PatroniNode replica, Workload workload, Endpoint writes) {
        lab.say("""
                Now only Patroni dies on the leader, %s; its PostgreSQL keeps running. The key expires as
                before and %s is promoted. Nothing stops the old primary: Patroni is not there to demote it
                and no watchdog resets its machine. Clients that are connected to it keep writing there;
                clients that connect afterwards find the other primary (the first one in the URL).""".formatted(
                leader.name(), replica.name()));
        live.watch(Duration.ofSeconds(2));
        var promotion = PromotionWatch.start(replica, lab.startNanos());
        lab.command(leader.killPatroniCommand());
        long fault = now();
        leader.killPatroni();
        events.add(new Event(seconds(fault), "Patroni killed"));
        lab.event("Killed Patroni on \"" + leader.name() + "\" (its PostgreSQL runs on)");
        awaitLeaderKey(fault, c -> replica.name().equals(c.value()), "be taken by " + replica.name());
        long promoted = promotion.await(Duration.ofSeconds(60)).orElseThrow(
                () -> new LabException(replica.name() + " was not promoted within 60 s"));
        promotion.close();
        events.add(new Event(seconds(promoted), "two primaries"));
        lab.event("\"" + replica.name() + "\" is promoted; \"" + leader.name() + "\" is still a primary");
        lab.show(leader, "SELECT pg_is_in_recovery() AS in_recovery");
        lab.show(replica, "SELECT pg_is_in_recovery() AS in_recovery");
        lab.say("A second application server starts now, with the same URL:");
        var newClients = new Workload(lab.startNanos(), load.rate, 0, load.users);
        ledgers.add(newClients.ledger());
        live.add(newClients.ledger());
        newClients.start(writes, Endpoint.of(replica));
        live.watch(Duration.ofSeconds(4));

        lab.say("""
                Action: Patroni comes back on %s. It finds the key held by %s, demotes its own server
                (the connected clients are cut off), rewinds it and makes it follow.""".formatted(leader.name(), replica.name()));
        lab.command(leader.startCommand());
        int logFrom = leader.patroniLogMark();
        events.add(new Event(lab.elapsed(), "Patroni back"));
        leader.start();
        waitStreaming(replica, leader);
        lab.event("\"" + leader.name() + "\" follows \"" + replica.name() + "\" again");
        PatroniLog.story(leader.patroniLogSince(logFrom), 12).forEach(lab::result);
        live.watch(Duration.ofSeconds(2));
        newClients.stop();

        // the writes of this step, from the moment Patroni died on the leader
        var all = snapshot(w -> w.intendedNanos() >= fault, workload.ledger(), newClients.ledger());
        long lastOnOld = all.writes().stream().filter(w -> w.outcome() == Outcome.OK && w.node().equals(leader.name()))
                .mapToLong(Ledger.Write::doneNanos).max().orElse(promoted);
        long onOld = okOn(all, leader.name(), promoted, Long.MAX_VALUE);
        long onNew = okOn(all, replica.name(), promoted, lastOnOld);
        lab.table(Table.create("writes acknowledged while both were primaries",
                StringColumn.create("node", leader.name() + " (old primary)", replica.name() + " (promoted)"),
                DoubleColumn.create("acknowledged", onOld, onNew)));
        var audit = Audit.on(all, replica);
        replica.waitForCatchup(leader, Duration.ofSeconds(60));
        long absentOnOld = lostAbsentOn(leader, audit);
        lab.table(Report.audit(audit));
        lab.say("""
                %d writes were acknowledged by the old primary and are gone: pg_rewind threw them away when it
                rejoined (%d of them absent there too). Patroni's answers: a watchdog (Linux's softdog, or a
                hardware one) that resets the machine when Patroni stops feeding it, before the key can
                expire; or synchronous_mode: true, where the old primary waits for a synchronous standby that
                no longer confirms anything, so its commits hang instead of being acknowledged.""".formatted(
                audit.lostAcked(), absentOnOld));
        return new SplitBrain(onOld, onNew, Math.max(0, lastOnOld - promoted) / 1e9, audit.lostAcked(), absentOnOld, audit);
    }

    /** 7.5: a third node; ANY 1 of the two standbys must confirm each commit; one down, then both. */
    private Quorum quorum(PatroniNode primary, PatroniNode standby) {
        lab.say("""
                A third node joins. Commits now wait for ANY 1 of the two standbys: either may fail without
                stopping writes. Patroni 3.0's synchronous_mode names one standby at a time (FIRST 1); a
                quorum (synchronous_mode: quorum) arrived in Patroni 4. So the lab sets the parameter itself,
                through Patroni's configuration in etcd, with synchronous_mode off.""");
        var standby2 = ha.start(STANDBY_2, Map.of());
        ha.link(STANDBY_2).delay(load.linkDelay, load.jitter);
        waitStreaming(primary, standby2);
        String names = "ANY 1 (\"" + standby.name() + "\", \"" + standby2.name() + "\")";
        lab.command("curl -s -XPATCH -d '{\"postgresql\":{\"parameters\":{\"synchronous_standby_names\":\""
                + names.replace("\"", "\\\"") + "\"}}}' " + primary.rest().url("/config"));
        ha.configure(parameters("synchronous_standby_names", names));
        for (var s : List.of(standby, standby2)) {
            Wait.until(s.name() + " is a quorum standby", primary, "SELECT sync_state FROM pg_stat_replication "
                    + "WHERE application_name = '" + s.name() + "'", "quorum", Duration.ofSeconds(30));
        }
        events.add(new Event(lab.elapsed(), "ANY 1"));
        Sql.exec(primary, "CREATE TABLE quorum_probe (t timestamptz)"); // now, while a commit can still be confirmed
        lab.show(primary, "SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1");
        live.watch(Duration.ofSeconds(3));

        lab.say("Action: stop " + standby2.name() + ". Observe: commits go on, confirmed by the other standby.");
        lab.command(standby2.stopCommand());
        long oneDown = now();
        standby2.stop();
        events.add(new Event(seconds(oneDown), "one standby down"));
        lab.event("Stopped \"" + standby2.name() + "\"");
        live.watch(Duration.ofSeconds(4));
        lab.show(primary, "SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1");

        lab.say("Action: stop " + standby.name() + " too. Observe: no standby can confirm; commits wait.");
        lab.command(standby.stopCommand());
        long bothDown = now();
        standby.stop();
        events.add(new Event(seconds(bothDown), "both down"));
        lab.event("Stopped \"" + standby.name() + "\"");
        live.watch(Duration.ofSeconds(2));
        var waiting = lab.show(primary, "SELECT coalesce(wait_event, '-') AS wait_event, count(*) AS sessions "
                + "FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() "
                + "GROUP BY 1 ORDER BY 2 DESC");
        long syncRep = (long) waiting.where(waiting.stringColumn("wait_event").isEqualTo("SyncRep"))
                .longColumn("sessions").sum();
        lab.say("A session with statement_timeout = '1s' writes one row:");
        lab.command(primary.psqlCommand() + " -c \"SET statement_timeout = '1s'\" -c \"INSERT INTO quorum_probe VALUES (now())\"");
        var probe = CommitProbe.start(primary, "quorum_probe", Duration.ofSeconds(1));
        live.watch(Duration.ofSeconds(2));
        boolean stillWaiting = "SyncRep".equals(probe.waitEvent());
        lab.result(stillWaiting ? "After 2 s it still waits: statement_timeout does not end a wait for a standby."
                : "It no longer waits: " + probe.answer(Duration.ZERO));
        lab.command(primary.psqlCommand() + " -c \"" + CommitProbe.cancelSql() + "\"");
        probe.cancel();
        String warning = Objects.requireNonNullElse(probe.answer(Duration.ofSeconds(10)), "(no answer within 10 s)");
        lab.result("The probe's session was told: " + warning);
        live.watch(Duration.ofSeconds(1));

        lab.say("Action: start " + standby.name() + " again: it confirms, the waiting commits return.");
        lab.command(standby.startCommand());
        long up = now();
        events.add(new Event(seconds(up), standby.name() + " starts"));
        standby.start();
        lab.event("Started \"" + standby.name() + "\"");
        live.watch(Duration.ofSeconds(3));
        ha.configure(parameters("synchronous_standby_names", null));
        lab.event("synchronous_standby_names reset (asynchronous again)");

        var all = snapshot(w -> true, ledgers.toArray(Ledger[]::new));
        long ok = okOn(all, null, oneDown, bothDown);
        long stalled = stalledSeconds(all, bothDown, up);
        return new Quorum(names, ok, (bothDown - oneDown) / 1e9, stalled, (up - bothDown) / 1e9, syncRep,
                !stillWaiting, warning);
    }

    /** 7.6: a standby that streams from a standby; the primary's traffic; what the cascade does when s1 stops. */
    private Cascade cascade(PatroniNode primary, PatroniNode s1) {
        lab.say("""
                %s joins with the tag replicatefrom: %s. Patroni points it at that member instead of the
                leader: the primary sends its WAL once to %s, which sends it on. (Done by hand, a base backup
                of a standby taken with -R copies that standby's primary_slot_name: the new node would ask for
                a slot that is not its own.)""".formatted(CASCADE, s1.name(), s1.name()));
        var s3 = ha.start(CASCADE, Map.of("replicatefrom", s1.name()));
        waitStreaming(s1, s3);
        events.add(new Event(lab.elapsed(), "cascade"));
        lab.show(primary, "SELECT application_name, state FROM pg_stat_replication ORDER BY 1");
        lab.show(s1, "SELECT application_name, state FROM pg_stat_replication ORDER BY 1");
        lab.show(s3, "SELECT status, sender_host, sender_port, slot_name FROM pg_stat_wal_receiver");
        String upstream = ha.upstreamOf(s3).orElse("none");

        var primaryLink = ha.link(primary.name());
        var s1Link = ha.link(s1.name());
        long fromPrimary = primaryLink.bytesToStandby();
        long fromS1 = s1Link.bytesToStandby();
        long t0 = now();
        live.watch(Duration.ofSeconds(4));
        double span = (now() - t0) / 1e9;
        double primaryRate = (primaryLink.bytesToStandby() - fromPrimary) / span;
        double forwardedRate = (s1Link.bytesToStandby() - fromS1) / span;
        lab.table(Table.create("replication traffic, measured on the links",
                StringColumn.create("sender", primary.name() + " (to its standbys)", s1.name() + " (to " + CASCADE + ")"),
                DoubleColumn.create("kB_per_s", Math.round(primaryRate / 102.4) / 10.0, Math.round(forwardedRate / 102.4) / 10.0)));

        lab.say("Action: stop " + s1.name() + ". Observe " + CASCADE + ": it loses its upstream until Patroni points it at "
                + "the leader.");
        lab.command(s1.stopCommand());
        long stopped = now();
        s1.stop();
        events.add(new Event(seconds(stopped), s1.name() + " stopped"));
        lab.event("Stopped \"" + s1.name() + "\"");
        awaitUpstream(s3, primary, Duration.ofSeconds(60));
        double gap = (now() - stopped) / 1e9;
        lab.event(String.format(Locale.ROOT, "\"%s\" streams from \"%s\", %.1f s after %s stopped", CASCADE, primary.name(), gap,
                s1.name()));
        lab.show(s3, "SELECT status, sender_host, sender_port FROM pg_stat_wal_receiver");
        String state = Sql.scalar(s3, "SELECT status FROM pg_stat_wal_receiver");
        return new Cascade(state, upstream, primaryRate, forwardedRate, gap, ha.upstreamOf(s3).orElse("none"));
    }

    // ---- measurement helpers ----

    private EtcdWatch.Change awaitLeaderKey(long since, Predicate<EtcdWatch.Change> matching, String what) {
        live.resume();
        return leaderKey.await(since, matching, Duration.ofSeconds(ttl * 3L + 30), live::tick)
                .orElseThrow(() -> new LabException("the leader key did not " + what + " within " + (ttl * 3 + 30) + " s"));
    }

    /** Waits, with live lines, until {@code node} streams from {@code expected}. */
    private void awaitUpstream(PatroniNode node, PatroniNode expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        live.resume();
        while (!ha.upstreamOf(node).orElse("").equals(expected.name())) {
            if (System.nanoTime() > deadline) {
                throw new LabException(node.name() + " did not stream from " + expected.name() + " within "
                        + timeout.toSeconds() + " s");
            }
            Wait.sleep(Duration.ofMillis(100));
            live.tick();
        }
    }

    private void waitStreaming(PatroniNode upstream, PatroniNode standby) {
        Wait.until("\"" + standby.name() + "\" streams from \"" + upstream.name() + "\"", upstream,
                "SELECT state FROM pg_stat_replication WHERE application_name = '" + standby.name() + "'", "streaming",
                Duration.ofSeconds(120));
    }

    private long lostAbsentOn(PatroniNode node, Audit.Result audit) {
        if (audit.lost().isEmpty()) {
            return 0;
        }
        try (var c = node.connect()) {
            var keys = Audit.keysOn(c);
            return audit.lost().stream().filter(w -> !keys.contains(w.key())).count();
        } catch (SQLException e) {
            throw new LabException("cannot read the keys on " + node.name() + ": " + e.getMessage());
        }
    }

    /** When the first write {@code node} acknowledged was sent (lab clock, ns); Long.MAX_VALUE while there is none. */
    private static long firstOkSent(Ledger ledger, PatroniNode node) {
        return ledger.writes().stream().filter(w -> w.outcome() == Outcome.OK && w.node().equals(node.name()))
                .mapToLong(Ledger.Write::sentNanos).min().orElse(Long.MAX_VALUE);
    }

    /** Acknowledged writes on {@code node} (any node when null) completed between two lab-clock moments. */
    private static long okOn(Ledger ledger, String node, long from, long to) {
        return ledger.writes().stream().filter(w -> w.outcome() == Outcome.OK && w.doneNanos() > from
                && w.doneNanos() < to && (node == null || node.equals(w.node()))).count();
    }

    /** Whole seconds between two lab-clock moments in which no write was acknowledged. */
    private static long stalledSeconds(Ledger ledger, long from, long to) {
        var ok = ledger.perSecond().intColumn("ok");
        long stalled = 0;
        for (int s = (int) Math.ceil(from / 1e9); s + 1 <= to / 1e9; s++) {
            if (s >= ok.size() || ok.getInt(s) == 0) {
                stalled++;
            }
        }
        return stalled;
    }

    /** The writes of several ledgers that match, in one ledger (for an audit or a count). */
    private static Ledger snapshot(Predicate<Ledger.Write> matching, Ledger... ledgers) {
        var all = new Ledger();
        for (Ledger l : ledgers) {
            l.writes().stream().filter(matching).forEach(all::record);
        }
        return all;
    }

    // ---- lab04, the summary, the charts ----

    /** lab04's manual failover, read from its summary.json: RTO and phases, or nulls and where it was looked for. */
    private JsonNode manualFailover() {
        Path file = manualFrom != null ? manualFrom : labkit.cluster.Env.get().root().resolve("out/lab04/summary.json");
        var manual = new ObjectMapper().createObjectNode();
        manual.put("source", file.toString());
        if (!Files.exists(file)) {
            manual.put("found", false).putNull("rtoMs");
            manual.putObject("rtoPhasesMs").putNull("detect").putNull("promote").putNull("reroute");
            lab.result("lab04's results are missing (" + file + "): run lab04 first to compare with its manual failover.");
            return manual;
        }
        try {
            JsonNode failover = new ObjectMapper().readTree(file.toFile()).path("failover");
            manual.put("found", true).put("modified", Files.getLastModifiedTime(file).toString());
            manual.set("rtoMs", failover.path("rtoMs"));
            manual.set("rtoPhasesMs", failover.path("rtoPhasesMs"));
            manual.set("lostAcked", failover.path("lostAcked"));
            manual.set("leaderFault", failover.path("leaderFault"));
            lab.result("lab04's manual failover (leader fault: " + failover.path("leaderFault").asText("?") + "), read from "
                    + file + " (written " + manual.path("modified").asText() + ").");
        } catch (java.io.IOException e) {
            throw new LabException("cannot read " + file + ": " + e.getMessage());
        }
        return manual;
    }

    private Table comparison(ManagedFailover managed, JsonNode manual) {
        JsonNode p = manual.path("rtoPhasesMs");
        var rto = managed.rto();
        return Table.create("failover: Patroni (this run) vs by hand (lab04)",
                StringColumn.create("ms", "detect", "promote", "re-route", "RTO"),
                DoubleColumn.create("patroni", round(rto.detectMs()), round(rto.promoteMs()),
                        round(rto.rerouteMs()), round(rto.rtoMs())),
                DoubleColumn.create("by_hand_lab04", number(p.path("detect")), number(p.path("promote")),
                        number(p.path("reroute")), number(manual.path("rtoMs"))));
    }

    private void report(ManagedFailover f, Rejoin r, SplitBrain s, Quorum q, Cascade c, JsonNode manual,
                        Ledger workload) {
        var summary = lab.summary();
        var managed = summary.putObject("managed");
        var rto = f.rto();
        managed.setAll(rto.json());
        managed.remove("newPrimary");
        managed.put("leaderKeyExpiredAfterMs", round((rto.declaredDownNanos() - rto.faultNanos()) / 1e6))
                .put("leaderKeyTakenAfterMs", round((f.keyTaken() - rto.declaredDownNanos()) / 1e6));
        managed.put("lostAcked", f.audit().lostAcked()).put("rpoMs", round(f.audit().rpoMs()))
                .put("unknownPresent", f.audit().unknownPresent()).put("unknownAbsent", f.audit().unknownAbsent());
        managed.put("newLeader", rto.newPrimary()).put("rejoined", r.rejoined()).put("rejoinSeconds", round(r.seconds()))
                .put("rewound", r.rewound()).put("lostAbsentOnOldLeader", r.lostAbsentOnOldLeader())
                .put("timeline", r.timeline());
        summary.set("manual", manual);
        summary.putObject("splitBrain").put("writesOnOldPrimary", s.writesOnOld()).put("writesOnNewPrimary", s.writesOnNew())
                .put("bothPrimarySeconds", round(s.bothPrimarySeconds())).put("discardedOnRejoin", s.discarded())
                .put("discardedAbsentOnOldPrimary", s.discardedAbsentOnOld());
        var quorum = summary.putObject("quorum");
        quorum.put("configuredSynchronousStandbyNames", q.names());
        quorum.putObject("oneDown").put("okDuringOutage", q.okOneDown()).put("seconds", round(q.oneDownSeconds()));
        quorum.putObject("bothDown").put("stalledSeconds", q.stalledSeconds()).put("seconds", round(q.bothDownSeconds()))
                .put("syncRepWaiting", q.syncRepWaiting()).put("statementTimeoutEndedTheWait", q.statementTimeoutEnded())
                .put("cancelWarning", q.cancelWarning());
        summary.putObject("cascade").put("s3", CASCADE).put("s3State", c.state()).put("upstream", c.upstream())
                .put("primarySentBytesPerSecond", Math.round(c.primarySentBytesPerSecond()))
                .put("s1ForwardedBytesPerSecond", Math.round(c.forwardedBytesPerSecond()))
                .put("secondsWithoutUpstreamAfterS1Stopped", round(c.secondsWithoutUpstream()))
                .put("upstreamAfterS1Stopped", c.upstreamAfter());
        Report.writes(summary, workload);
        summary.putObject("settings").put("configuredTtl", ttl).put("configuredLoopWait", loopWait)
                .put("configuredRetryTimeout", retryTimeout).put("rate", load.rate).put("readRate", load.readRate)
                .put("linkDelayMs", load.linkDelay.toMillis()).put("jitterMs", load.jitter.toMillis())
                .put("connectTimeoutSeconds", CONNECT_TIMEOUT.toSeconds())
                .put("socketTimeoutSeconds", SOCKET_TIMEOUT.toSeconds());
    }

    /** The whole run, then 7.2-7.4 by node (two primaries show as two lines) and 7.5 on its own scale. */
    private void plots(Ledger workload) {
        var plots = lab.summary().putArray("plots");
        var all = snapshot(w -> true, ledgers.toArray(Ledger[]::new));
        all.writeCsv(lab.out().resolve("writes.csv"));
        plots.add(save(Charts.throughput(workload, events), "throughput.png"));
        Predicate<Ledger.Write> ok = w -> w.outcome() == Outcome.OK;
        plots.add(save(window("7.2-7.4: writes acknowledged per second, by node", all, failoverWindow,
                List.of(perSecond(PRIMARY, all, failoverWindow, ok.and(w -> w.node().equals(PRIMARY))),
                        perSecond(STANDBY, all, failoverWindow, ok.and(w -> w.node().equals(STANDBY))),
                        perSecond("failed or unknown", all, failoverWindow, ok.negate()))), "failover.png"));
        plots.add(save(window("7.5: writes per second with ANY 1 of two standbys", all, quorumWindow,
                List.of(perSecond("acknowledged", all, quorumWindow, ok),
                        perSecond("failed or unknown", all, quorumWindow, ok.negate()))), "quorum.png"));
    }

    private XYChart window(String title, Ledger ledger, double[] window, List<Series> series) {
        var inside = events.stream().filter(e -> e.seconds() >= window[0] && e.seconds() <= window[1]).toList();
        return Charts.timeSeries(title, "writes / s", series, inside);
    }

    /** Writes per second (by completion) in {@code window} (lab-clock seconds) that match. */
    private static Series perSecond(String name, Ledger ledger, double[] window, Predicate<Ledger.Write> matching) {
        int first = (int) Math.floor(window[0]);
        int seconds = (int) Math.ceil(window[1]) - first;
        double[] x = new double[seconds];
        double[] y = new double[seconds];
        for (int i = 0; i < seconds; i++) {
            x[i] = first + i;
        }
        ledger.writes().stream().filter(matching).mapToInt(w -> (int) (w.doneNanos() / 1_000_000_000L) - first)
                .filter(i -> i >= 0 && i < seconds).forEach(i -> y[i]++);
        return new Series(name, x, y);
    }

    // ---- small things ----

    private static ObjectNode parameters(String name, String value) {
        var patch = new ObjectMapper().createObjectNode();
        patch.putObject("postgresql").putObject("parameters").put(name, value);
        return patch;
    }

    private static String compact(JsonNode cluster) {
        var lines = new ArrayList<String>();
        for (JsonNode m : cluster.path("members")) {
            lines.add(String.format(Locale.ROOT, "{\"name\": \"%s\", \"role\": \"%s\", \"state\": \"%s\", \"port\": %d, "
                    + "\"timeline\": %s}", m.path("name").asText(), m.path("role").asText(), m.path("state").asText(),
                    m.path("port").asInt(), m.path("timeline").asText("-")));
        }
        return String.join("\n", lines);
    }

    private long now() {
        return System.nanoTime() - lab.startNanos();
    }

    private static double seconds(long labNanos) {
        return labNanos / 1e9;
    }

    private static double number(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.NaN;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private String save(XYChart chart, String file) {
        Charts.save(chart, lab.out().resolve(file));
        return file;
    }
}
