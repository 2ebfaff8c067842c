///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import labkit.cluster.Bucardo;
import labkit.cluster.Cluster;
import labkit.cluster.LabException;
import labkit.cluster.Link;
import labkit.cluster.Logical;
import labkit.cluster.Node;
import labkit.cluster.NodeRuntime;
import labkit.cluster.Pgpool;
import labkit.cluster.ReplicationTools;
import labkit.cluster.ServerLog;
import labkit.cluster.Sql;
import labkit.cluster.Wait;
import labkit.measure.Compare;
import labkit.measure.CrossVersion;
import labkit.measure.Phases;
import labkit.notebook.Checked;
import labkit.notebook.DurationConverter;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.notebook.MechanismReport;
import labkit.notebook.SideBySide;
import labkit.notebook.StatementPitfalls;
import labkit.notebook.WorkloadOptions;
import labkit.workload.Pagila;
import labkit.workload.PagilaOps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "lab05-mechanisms", mixinStandardHelpOptions = true, version = "pglab 0.1.0", sortOptions = false,
        description = {"Module 5: Replication mechanisms, side by side.",
                "Seeds followers with pg_dump/pg_restore, then replicates one leader four",
                "ways: WAL streaming (physical), logical replication to a newer major,",
                "triggers (Bucardo) and statements (pgpool-II). Shows what breaks each one",
                "(other majors, DDL, sequences, random()), then runs one workload through",
                "all four and measures bytes, WAL, latency and lag per mechanism.",
                "Local runtime: needs bucardo, pgpool2 and postgresql-plperl-<major> beside",
                "PostgreSQL. Docker: nodes, Bucardo and pgpool-II in containers of",
                "pglab/mechanisms:17 and :18 (docker/mechanisms-image); the leader runs 17.",
                "Results: out/lab05/summary.json, mechanisms.png, per-second.csv, writes.csv."})
class Lab05 implements Callable<Integer>, Checked {
    private static final List<String> MECHANISMS = List.of("physical", "logical", "trigger", "statement");
    /** The tables the workload and the probes write; payment may be partitioned (the official Pagila): its leaves. */
    private static final String SYNCED_TABLES = "SELECT string_agg(t, ',' ORDER BY t) FROM (SELECT relid::regclass::text AS t "
            + "FROM pg_partition_tree('public.payment') WHERE isleaf UNION ALL SELECT unnest(ARRAY['rental', 'pglab_write', "
            + "'lab05_probe'])) tables";
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Mixin LabOptions options;

    @Option(names = "--newer-version", paramLabel = "MAJOR",
            description = "The newer PostgreSQL major of the logical and trigger followers (and of the refused "
                    + "physical standby). Default: 17, or the leader's major + 1 when that is newer.")
    Integer newerVersion;

    @Option(names = "--rate", defaultValue = "50", paramLabel = "N",
            description = "Writes (new rentals) per second in the side-by-side run. Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--users", defaultValue = "8", paramLabel = "N",
            description = "Connections the workload writes through. Default: ${DEFAULT-VALUE}.")
    int users;

    @Option(names = "--phase", defaultValue = "8s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long each of the side-by-side run's five phases lasts. Default: ${DEFAULT-VALUE}.")
    Duration phase;

    @Option(names = "--link-delay", defaultValue = "0ms", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "One-way delay on every connection a mechanism uses (followers far away). Default: ${DEFAULT-VALUE}.")
    Duration linkDelay;

    private Lab lab;
    private Cluster cluster;
    private ObjectNode summary;
    private ObjectNode mechanisms;
    private Node leader;
    /** Each mechanism's follower, and the links its connections cross (by the node they lead to). */
    private final Map<String, Node> followers = new LinkedHashMap<>();
    private final Map<String, Map<String, Link>> links = new LinkedHashMap<>();
    private Pgpool pgpool;

    public static void main(String... args) {
        Lab.main(new Lab05(), args);
    }

    /** Each of the five phases needs writes enough for a p90, and the links stay within what a region away means. */
    @Override
    public void check() {
        WorkloadOptions.requireRate(rate);
        WorkloadOptions.requireUsers(users);
        Checked.requireBetween("--phase", phase, Duration.ofSeconds(3), Duration.ofMinutes(10));
        Checked.requireBetween("--link-delay", linkDelay, Duration.ZERO, Duration.ofSeconds(10));
    }

    @Override
    public Integer call() throws Exception {
        lab = Lab.start("lab05", "Module 5: Replication Mechanisms, Side by Side", options);
        summary = lab.summary();
        var onDocker = lab.clusterOptions().onDocker(ReplicationTools.dockerImage(this::newerMajor));
        try (var c = Cluster.create(onDocker, lab)) {
            cluster = c;
            requireTools();
            summary.put("runtime", cluster.runtime());
            mechanisms = summary.putObject("mechanisms");
            MECHANISMS.forEach(mechanisms::putObject);
            leaderAndSnapshot();
            physical();
            logical();
            trigger();
            statement();
            sideBySide();
        }
        lab.writeSummary();
        return 0;
    }

    /** Bucardo and pgpool-II run beside the nodes: without them the lab stops before any node starts. */
    private void requireTools() {
        newerVersion = newerMajor(cluster.major());
        if (newerVersion <= cluster.major()) {
            throw new LabException("--newer-version " + newerVersion + " must be a newer major than the leader's (" + cluster.major() + ")");
        }
        ReplicationTools.require(cluster, newerVersion);
    }

    /** The major of the logical and trigger followers: --newer-version, else 17 or the leader's + 1 when that is newer. */
    private int newerMajor(int leader) {
        return newerVersion != null ? newerVersion : Math.max(17, leader + 1);
    }

    private void leaderAndSnapshot() {
        lab.step("5.1", "The Leader and Its Logical Snapshot");
        lab.say("""
                postgres-primary gets Pagila and wal_level = logical: besides the physical changes, its WAL then
                carries what logical decoding needs to turn changes back into rows. A table and a sequence of the
                lab's own (lab05_probe, lab05_seq) will show what each mechanism carries.""");
        leader = cluster.primary("postgres-primary");
        Pagila.loadOnto(leader, options.dataset, options.scale, lab);
        leader.appendConf("wal_level = logical");
        leader.restart();
        Sql.exec(leader, "CREATE SEQUENCE lab05_seq");
        Sql.exec(leader, "CREATE TABLE lab05_probe (key text PRIMARY KEY, n bigint NOT NULL DEFAULT nextval('lab05_seq'), "
                + "random double precision, clock timestamptz, now timestamptz)");

        lab.say("""
                The agenda's "base backup" for these followers is pg_dump: a logical copy (SQL objects and rows),
                restored with pg_restore into each follower's empty database. It can seed a logical, a trigger or a
                statement replica, even on a newer major. The leader takes no writes before the subscription of 5.3
                starts, so for that follower the dump is the whole initial copy.""");
        lab.command(cluster.dumpCommand(leader, "pagila.dump"));
        var dump = cluster.dump(leader);
        followers.put("logical", cluster.primary("postgres-logical", String.valueOf(newerVersion)));
        followers.put("trigger", cluster.primary("postgres-trigger", String.valueOf(newerVersion)));
        var fromDump = cluster.primary("postgres-from-dump");
        var seed = summary.putObject("seed").put("dumpBytes", dump.bytes()).put("dumpSeconds", round(dump.seconds()));
        var restores = seed.putObject("restoreSeconds");
        for (Node target : List.of(followers.get("logical"), followers.get("trigger"), fromDump)) {
            lab.command(cluster.restoreCommand(leader, target, "pagila.dump"));
            restores.put(target.name(), round(cluster.restore(dump, target, toc -> false)));
        }
        lab.result(String.format("pg_dump: %,d bytes in %.1f s; pg_restore: %s.", dump.bytes(), dump.seconds(), String.join(", ",
                restores.properties().stream().map(e -> e.getKey() + " " + e.getValue() + " s").toList())));

        lab.say("""
                A physical standby cannot start from a dump. Configure the restored postgres-from-dump as a standby
                of the leader (standby.signal, primary_conninfo) and watch its WAL receiver: the rows are the same,
                but the cluster is another one, with its own system identifier.""");
        lab.show(leader, "SELECT system_identifier FROM pg_control_system()");
        lab.show(fromDump, "SELECT system_identifier FROM pg_control_system()");
        var refusal = cluster.followAsIs(fromDump, leader, "database system identifier differs");
        refusal.forEach(lab::result);
        seed.put("physicalFromDumpRefused", !refusal.isEmpty()).put("refusal", refusal.isEmpty() ? null : String.join(" ", refusal));
    }

    private void physical() {
        lab.step("5.2", "WAL Streaming (Physical)");
        lab.say("""
                postgres-standby starts from a base backup, a copy of the leader's files, and replays its WAL: the
                same bytes, block by block. It streams through a link of the lab's that counts them.""");
        var standby = cluster.standbyFrom(leader, "postgres-standby", link("physical", leader));
        cluster.waitForStreaming(leader, standby);
        followers.put("physical", standby);
        lab.show(leader, "SELECT application_name, state, sent_lsn, replay_lsn FROM pg_stat_replication");

        lab.say("Now the same copy, run by PostgreSQL " + newerVersion + ": the server checks the copy's PG_VERSION at startup "
                + "and refuses a data directory of another major, before it reads any WAL.");
        String name = "postgres-standby-" + newerVersion;
        var cross = CrossVersion.tried(leader.versionNumber(), followers.get("logical").versionNumber(),
                () -> cluster.baseBackup(leader, name, String.valueOf(newerVersion)));
        NodeRuntime.dropSlot(leader, name);
        cross.writeTo(mechanisms.withObject("physical"));
        lab.result(cross.outcome());
    }

    private void logical() {
        lab.step("5.3", "Logical Replication to PostgreSQL " + newerVersion);
        lab.say("""
                A publication on the leader, a subscription on postgres-logical: the leader's WAL sender decodes its WAL
                into row changes (pgoutput), which the subscriber applies row by row, not as SQL, with session_replication_role
                = replica (its ordinary triggers do not fire). The dump was the initial copy (copy_data = false): nothing is missing.""");
        var subscriber = followers.get("logical");
        lab.command(leader.psqlCommand() + " -c \"" + Logical.publishSchema(leader, "lab05_pub", "public") + "\"");
        String sql = Logical.subscribe(subscriber, "lab05_sub", cluster.endpoint(link("logical", leader)), "lab05_pub",
                "copy_data = false");
        lab.command(subscriber.psqlCommand() + " -c \"" + sql + "\"");
        lab.show(subscriber, "SELECT subname, worker_type, received_lsn, latest_end_lsn FROM pg_stat_subscription");

        lab.say("""
                The change stream, as rows: a second slot on the leader decodes the same WAL with test_decoding.
                Three new rentals (rental, payment and the client's key, in one transaction each):""");
        Logical.createPeekSlot(leader, "lab05_peek");
        List.of("stream-1", "stream-2", "stream-3").forEach(key -> PagilaOps.writeOnce(leader, key));
        lab.show(leader, Logical.peekQuery("lab05_peek", 20, 110));
        Logical.dropSlot(leader, "lab05_peek");
        Wait.forRow(subscriber, "pglab_write", "stream-3", WAIT); // a newer major applied them: it works across majors
        new CrossVersion(leader.versionNumber(), subscriber.versionNumber(), true, null).writeTo(mechanisms.withObject("logical"));

        lab.say("""
                What it does not carry. Sequences (up to PostgreSQL 18; 19 can copy them on request): the subscriber
                got the rows, with the leader's rental ids, but its own sequence stayed where the dump left it.""");
        var both = new LinkedHashMap<String, Node>();
        both.put("(the leader)", leader);
        both.put("logical", subscriber);
        lab.table(Compare.onEach("rental_rental_id_seq", both, "SELECT last_value FROM rental_rental_id_seq"));

        lab.say("""
                DDL: a new column on the leader. The physical standby replays it like any other change; the
                subscriber's apply worker stops at the first row that has it.""");
        long errorsBefore = Logical.applyErrors(subscriber, "lab05_sub");
        addColumn(leader, "note");
        Sql.exec(leader, "INSERT INTO pglab_write (key, note) VALUES ('ddl-logical', 'after the DDL')");
        mechanisms.withObject("physical").put("ddlReplicated", Wait.seen(followers.get("physical"),
                Sql.hasColumnQuery("pglab_write", "note"), "1", Duration.ofSeconds(20)));
        Wait.until("the apply worker of lab05_sub hits an error", subscriber, "SELECT apply_error_count > " + errorsBefore
                + " FROM pg_stat_subscription_stats WHERE subname = 'lab05_sub'", "t", WAIT);
        var error = ServerLog.waitFor(subscriber, "is missing replicated column", Duration.ofSeconds(10));
        error.forEach(lab::result);
        mechanisms.withObject("logical").put("ddlReplicated", Sql.hasColumn(subscriber, "pglab_write", "note"))
                .put("ddlError", error.isEmpty() ? null : error.get(0));
        lab.say("The fix: the same DDL on every logical copy (the trigger follower too, before Bucardo syncs to it).");
        addColumn(subscriber, "note");
        addColumn(followers.get("trigger"), "note");
        Logical.waitForApplyWorker(subscriber, "lab05_sub");
        Wait.forRow(subscriber, "pglab_write", "ddl-logical", WAIT);
        lab.result("The apply worker runs again and the row arrived.");
    }

    private void trigger() {
        lab.step("5.4", "Trigger-Based: Bucardo");
        lab.say("""
                Bucardo keeps its own database (on postgres-bucardo, which has PL/Perl) and puts triggers on the
                leader's tables: each write also records the row's key and a timestamp in a delta table, a statement
                trigger sends a NOTIFY that wakes Bucardo, and Bucardo copies the changed rows to postgres-trigger
                (PostgreSQL %s) with DELETE and COPY. It reaches both through links of the lab's.""".formatted(newerVersion));
        var target = followers.get("trigger");
        var control = cluster.primary("postgres-bucardo");
        var bucardo = Bucardo.install(cluster, control);
        lab.command(bucardo.installCommand());
        // Bucardo puts its triggers on each table it syncs: a partitioned table's rows live in its partitions
        var tables = List.of(Sql.scalar(leader, SYNCED_TABLES).split(",")).stream().map(t -> t.contains(".") ? t : "public." + t);
        bucardo.syncOneWay("lab05", cluster.endpoint(link("trigger", leader)), cluster.endpoint(link("trigger", target)),
                tables.toList(),
                List.of("public.lab05_seq", "public.rental_rental_id_seq", "public.payment_payment_id_seq")).forEach(lab::command);
        // the one-time copy brings the rows written since the dump, to a newer major: it works across majors
        Wait.forRow(target, "pglab_write", "ddl-logical", WAIT);
        lab.show(leader, Bucardo.SHOW_TRIGGERS);
        lab.show(leader, Bucardo.SHOW_DELTA_TABLES);
        new CrossVersion(leader.versionNumber(), target.versionNumber(), true, null).writeTo(mechanisms.withObject("trigger"));

        lab.say("""
                DDL again, now with Bucardo syncing: a column added on the leader. Bucardo copies rows with all the
                source's columns, and the target has no such column.""");
        addColumn(leader, "via");
        Sql.exec(leader, "INSERT INTO pglab_write (key, via) VALUES ('ddl-trigger', 'after the DDL')");
        String failure = bucardo.firstKidError("lab05", Duration.ofSeconds(30)).orElse(null);
        lab.command("grep 'Kid has died' " + bucardo.log() + "   # or: " + bucardo.command("status", "lab05"));
        lab.result(failure == null ? "No error within 30 s." : "Bucardo's worker died: " + failure);
        mechanisms.withObject("trigger").put("ddlReplicated", Sql.hasColumn(target, "pglab_write", "via")).put("ddlError", failure);
        lab.say("The fix: the column on the target (and on the logical follower, which stopped again), then Bucardo "
                + "validates the sync, restarts and runs it.");
        addColumn(target, "via");
        addColumn(followers.get("logical"), "via");
        lab.command(bucardo.resync("lab05"));
        Wait.forRow(target, "pglab_write", "ddl-trigger", WAIT);
        Logical.waitForApplyWorker(followers.get("logical"), "lab05_sub");
        lab.result("The row arrived on postgres-trigger; the logical follower applies again.");
    }

    private void statement() {
        lab.step("5.5", "Statement-Based: pgpool-II (native replication)");
        lab.say("""
                pgpool-II sits in front of the leader and postgres-statement and sends every writing statement to
                both. They must start equal: postgres-statement gets a fresh dump of the leader, without Bucardo's
                schema and triggers.""");
        var replica = cluster.primary("postgres-statement");
        lab.command("pg_restore -l pagila.dump | grep -v bucardo > list && pg_restore -L list -d pagila … pagila.dump");
        cluster.restore(cluster.dump(leader), replica, toc -> toc.contains("bucardo"));
        followers.put("statement", replica);
        pgpool = Pgpool.start(cluster, "pgpool", List.of(cluster.endpoint(link("statement", leader)),
                cluster.endpoint(link("statement", replica))), users + 4);
        lab.event("pgpool-II listens on port " + pgpool.port() + " in front of " + leader.name() + " and " + replica.name());
        StatementPitfalls.show(lab, cluster, pgpool, everyNode(), followers.get("logical"), users, mechanisms);
    }

    private void sideBySide() {
        lab.step("5.6", "Side by Side");
        var measured = new LinkedHashMap<String, Phases.Mechanism>();
        MECHANISMS.forEach(m -> measured.put(m, new Phases.Mechanism(m, followers.get(m), links.get(m))));
        SideBySide.run(lab, leader, pgpool, measured, rate, users, phase);

        lab.say("""
                Sequences, tried: lab05_seq moved on the leader with every insert into lab05_probe (5.5). Each
                follower's value of it now:""");
        var sequences = Compare.onEach("lab05_seq", everyNode(), "SELECT last_value FROM lab05_seq");
        lab.table(sequences);
        MechanismReport.sequences(mechanisms, sequences);

        lab.step("Outcome", "Four ways to copy a leader");
        lab.table(MechanismReport.table(mechanisms, MECHANISMS));
        var plot = MechanismReport.chart(mechanisms, MECHANISMS, lab.out().resolve("mechanisms.png"));
        summary.putArray("plots").add(plot.getFileName().toString());
        lab.say("""
                WAL streaming ships the leader's own WAL: nothing extra for the leader, but only to the same major.
                Logical replication ships rows, to a newer major too, and leaves DDL and (before 19) sequences behind.
                Triggers add a delta row (key, time) per change on the leader and sync in batches, late. Statements run on every
                node in lockstep, slower, and compute non-deterministic functions once per node.""");
        lab.result(MechanismReport.headline(mechanisms));
    }

    /** The leader and each mechanism's follower, labelled by the mechanism. */
    private Map<String, Node> everyNode() {
        var nodes = new LinkedHashMap<String, Node>();
        nodes.put("(the leader)", leader);
        MECHANISMS.stream().filter(followers::containsKey).forEach(m -> nodes.put(m, followers.get(m)));
        return nodes;
    }

    /** A link in front of {@code target} for {@code mechanism}'s connections to it: the bytes it carries are the mechanism's. */
    private Link link(String mechanism, Node target) {
        var link = cluster.link(target);
        link.delay(linkDelay, Duration.ZERO);
        links.computeIfAbsent(mechanism, m -> new LinkedHashMap<>()).put("to " + target.name(), link);
        return link;
    }

    private void addColumn(Node node, String column) {
        String sql = "ALTER TABLE pglab_write ADD COLUMN " + column + " text";
        lab.command(node.psqlCommand() + " -c \"" + sql + "\"");
        Sql.exec(node, sql);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
