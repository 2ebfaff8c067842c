///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
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
import labkit.cluster.NodeRuntime.Endpoint;
import labkit.cluster.Pgpool;
import labkit.cluster.ServerLog;
import labkit.cluster.Sql;
import labkit.cluster.Wait;
import labkit.measure.Compare;
import labkit.measure.ConcurrentStatements;
import labkit.measure.Latency;
import labkit.measure.Phases;
import labkit.measure.Timeline;
import labkit.measure.Wal;
import labkit.notebook.DurationConverter;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.notebook.MechanismReport;
import labkit.notebook.Report;
import labkit.workload.Pagila;
import labkit.workload.PagilaOps;
import labkit.workload.Workload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

@Command(name = "lab05-mechanisms", mixinStandardHelpOptions = true, version = "pglab 0.1.0", sortOptions = false,
        description = {"Module 5: Replication mechanisms, side by side.",
                "Seeds followers with pg_dump/pg_restore, then replicates one leader four",
                "ways: WAL streaming (physical), logical replication to a newer major,",
                "triggers (Bucardo) and statements (pgpool-II). Shows what breaks each one",
                "(other majors, DDL, sequences, random()), then runs one workload through",
                "all four and measures bytes, WAL, latency and lag per mechanism.",
                "Local runtime only (no Docker variant yet); needs bucardo, pgpool2 and",
                "postgresql-plperl-<major> beside PostgreSQL.",
                "Results: out/lab05/summary.json, mechanisms.png, per-second.csv, writes.csv."})
class Lab05 implements Callable<Integer> {
    private static final List<String> MECHANISMS = List.of("physical", "logical", "trigger", "statement");
    /** The tables the workload and the probes write; payment may be partitioned (the official Pagila): its leaves. */
    private static final String SYNCED_TABLES = "SELECT string_agg(t, ',' ORDER BY t) FROM (SELECT relid::regclass::text AS t "
            + "FROM pg_partition_tree('public.payment') WHERE isleaf UNION ALL SELECT unnest(ARRAY['rental', 'pglab_write', "
            + "'lab05_probe'])) tables";
    private static final Duration WARM_UP = Duration.ofSeconds(1);
    private static final Duration WARM_UP_RUN = Duration.ofSeconds(4);
    private static final Duration POLL = Duration.ofMillis(1);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Mixin LabOptions options;

    @Option(names = "--newer-version", defaultValue = "17", paramLabel = "MAJOR",
            description = "The newer PostgreSQL major of the logical and trigger followers (and of the refused "
                    + "physical standby). Default: ${DEFAULT-VALUE}.")
    int newerVersion;

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
    private final Map<String, Node> followers = new LinkedHashMap<>();
    /** Each mechanism's links, by the node they lead to. */
    private final Map<String, Map<String, Link>> links = new LinkedHashMap<>();
    private Bucardo bucardo;
    private Pgpool pgpool;

    public static void main(String... args) {
        Lab.main(new Lab05(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (rate <= 0 || users < 1 || phase.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new LabException("--rate must be > 0, --users >= 1 and --phase at least 3s");
        }
        if (options.runtime.equals("docker")) {
            throw new LabException("lab05 has no Docker variant yet: run it with --runtime local "
                    + "(it needs bucardo, pgpool2 and postgresql-plperl-<major> beside PostgreSQL)");
        }
        lab = Lab.start("lab05", "Module 5: Replication Mechanisms, Side by Side", options);
        summary = lab.summary();
        if (options.runtime.equals("auto")) {
            options.runtime = "local"; // until its Docker variant exists, auto means the one runtime it has
            lab.result("lab05 runs its nodes as local processes (--runtime local): it has no Docker variant yet.");
        }
        try (var c = Cluster.create(lab.clusterOptions(), lab)) {
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
        var missing = new ArrayList<String>();
        Bucardo.missing(cluster).ifPresent(missing::add);
        if (Pgpool.program().isEmpty()) {
            missing.add("pgpool2");
        }
        if (!missing.isEmpty()) {
            throw new LabException("lab05 runs Bucardo and pgpool-II beside PostgreSQL; missing here: " + String.join(", ", missing)
                    + ". On Debian: apt-get install bucardo pgpool2 postgresql-plperl-" + cluster.major()
                    + " (pinned to the installed server's version), or use --runtime docker");
        }
        if (newerVersion <= cluster.major()) {
            throw new LabException("--newer-version " + newerVersion + " must be a newer major than the leader's ("
                    + cluster.major() + ")");
        }
    }

    // ---- 5.1 -------------------------------------------------------------------------------

    private void leaderAndSnapshot() {
        lab.step("5.1", "The Leader and Its Logical Snapshot");
        lab.say("""
                postgres-primary gets Pagila and wal_level = logical: besides the physical changes, its WAL then
                carries what logical decoding needs to turn changes back into rows. A table and a sequence of the
                lab's own (lab05_probe, lab05_seq) will show what each mechanism carries.""");
        leader = cluster.primary("postgres-primary");
        Pagila.loadOnto(leader, options.dataset, options.scale, lab);
        leader.appendConf("wal_level = logical");
        leader.stop();
        leader.start();
        Sql.exec(leader, "CREATE SEQUENCE lab05_seq");
        Sql.exec(leader, "CREATE TABLE lab05_probe (key text PRIMARY KEY, n bigint NOT NULL DEFAULT nextval('lab05_seq'), "
                + "random double precision, clock timestamptz, now timestamptz)");
        summary.put("leaderVersion", version(leader));

        lab.say("""
                The agenda's "base backup" for these followers is pg_dump: a logical copy (SQL objects and rows),
                restored with pg_restore into each follower's empty database. It can seed a logical, a trigger or a
                statement replica, even on a newer major. The leader takes no writes before the subscription of 5.3
                starts, so for that follower the dump is the whole initial copy.""");
        lab.command("pg_dump -Fc -h 127.0.0.1 -p " + leader.port() + " -U postgres -f pagila.dump pagila");
        long started = System.nanoTime();
        var dump = cluster.dump(leader);
        double dumpSeconds = seconds(started);
        followers.put("logical", cluster.primary("postgres-logical", String.valueOf(newerVersion)));
        followers.put("trigger", cluster.primary("postgres-trigger", String.valueOf(newerVersion)));
        var fromDump = cluster.primary("postgres-from-dump");
        var seed = summary.putObject("seed");
        seed.put("dumpBytes", fileSize(dump)).put("dumpSeconds", round(dumpSeconds));
        var restores = seed.putObject("restoreSeconds");
        for (Node target : List.of(followers.get("logical"), followers.get("trigger"), fromDump)) {
            lab.command("pg_restore --no-owner -h 127.0.0.1 -p " + target.port() + " -U postgres -d pagila pagila.dump");
            started = System.nanoTime();
            cluster.restore(dump, target, toc -> false);
            restores.put(target.name(), round(seconds(started)));
        }
        lab.result(String.format("pg_dump: %,d bytes in %.1f s; restored into %s.", fileSize(dump), dumpSeconds,
                String.join(", ", restores.properties().stream().map(e -> e.getKey() + " (" + e.getValue() + " s)").toList())));

        lab.say("""
                A physical standby cannot start from a dump. Configure the restored postgres-from-dump as a standby
                of the leader (standby.signal, primary_conninfo) and watch its WAL receiver: the rows are the same,
                but the cluster is another one, with its own system identifier.""");
        fromDump.stop();
        cluster.nodeRuntime().followAsIs(fromDump, leader, cluster.nodeRuntime().endpointSeenFromNodes(leader));
        var refusal = ServerLog.waitFor(fromDump, "database system identifier differs", Duration.ofSeconds(20));
        refusal.forEach(lab::result);
        lab.show(leader, "SELECT system_identifier FROM pg_control_system()");
        lab.show(fromDump, "SELECT system_identifier FROM pg_control_system()");
        seed.put("physicalFromDumpRefused", !refusal.isEmpty());
        seed.put("refusal", refusal.isEmpty() ? null : String.join(" ", refusal));
        fromDump.stop();
        dropSlot(fromDump);
    }

    // ---- 5.2 -------------------------------------------------------------------------------

    private void physical() {
        lab.step("5.2", "WAL Streaming (Physical)");
        lab.say("""
                postgres-standby starts from a base backup, a copy of the leader's files, and replays its WAL: the
                same bytes, block by block. It streams through a link of the lab's that counts them.""");
        var link = link("physical", leader);
        var standby = cluster.standbyFrom(leader, "postgres-standby", link);
        cluster.waitForStreaming(leader, standby);
        followers.put("physical", standby);
        lab.show(leader, "SELECT application_name, state, sent_lsn, replay_lsn FROM pg_stat_replication");

        lab.say("""
                Now the same copy, run by PostgreSQL %s: WAL describes the leader's files, and another major does
                not read them.""".formatted(newerVersion));
        var cross = mechanisms.withObject("physical").putObject("crossVersion");
        cross.put("from", version(leader));
        try {
            var backup = cluster.baseBackup(leader, "postgres-standby-" + newerVersion, String.valueOf(newerVersion));
            cross.put("to", version(backup.standby())).put("works", true).putNull("error");
            lab.result("It started: " + backup.standby().name());
        } catch (LabException e) {
            String fatal = e.getMessage().substring(e.getMessage().indexOf("FATAL")).replaceAll(" \\(full log: .*\\)$", "");
            cross.put("to", version(followers.get("logical"))).put("works", false).put("error", fatal);
            lab.result(fatal);
        } finally {
            dropSlot("postgres-standby-" + newerVersion);
        }
    }

    // ---- 5.3 -------------------------------------------------------------------------------

    private void logical() {
        lab.step("5.3", "Logical Replication to PostgreSQL " + newerVersion);
        lab.say("""
                A publication on the leader, a subscription on postgres-logical: the leader's WAL sender decodes
                its WAL into row changes (pgoutput) and the subscriber applies them as SQL. The dump was the initial
                copy (copy_data = false); nothing was written since, so nothing is missing.""");
        var subscriber = followers.get("logical");
        lab.command(leader.psqlCommand() + " -c \"" + Logical.publishSchema(leader, "lab05_pub", "public") + "\"");
        var link = link("logical", leader);
        String sql = Logical.subscribe(subscriber, "lab05_sub", new Endpoint("127.0.0.1", link.port()), "lab05_pub",
                "copy_data = false");
        lab.command(subscriber.psqlCommand() + " -c \"" + sql + "\"");
        lab.show(subscriber, "SELECT subname, worker_type, received_lsn, latest_end_lsn FROM pg_stat_subscription");
        mechanisms.withObject("logical").putObject("crossVersion").put("from", version(leader))
                .put("to", version(subscriber)).put("works", true).putNull("error");

        lab.say("""
                The change stream, as rows: a second slot on the leader decodes the same WAL with test_decoding.
                Three new rentals (rental, payment and the client's key, in one transaction each):""");
        Logical.createPeekSlot(leader, "lab05_peek");
        List<String> keys = List.of("stream-1", "stream-2", "stream-3");
        keys.forEach(this::writeRental);
        lab.command(leader.psqlCommand() + " -c \"" + Logical.peekQuery("lab05_peek", 20) + "\"");
        lab.table(shortened(Logical.peek(leader, "lab05_peek", 20)));
        Logical.dropSlot(leader, "lab05_peek");
        waitForKey(subscriber, "pglab_write", keys.get(2));

        lab.say("""
                What it does not carry. Sequences: the subscriber got the rows, with the leader's rental ids, but
                its own sequence stayed where the dump left it.""");
        showOnBoth("SELECT last_value FROM rental_rental_id_seq", leader, subscriber);

        lab.say("""
                DDL: a new column on the leader. The physical standby replays it like any other change; the
                subscriber's apply worker stops at the first row that has it.""");
        long errorsBefore = Logical.applyErrors(subscriber, "lab05_sub");
        addColumn(leader, "note");
        Sql.exec(leader, "INSERT INTO pglab_write (key, note) VALUES ('ddl-logical', 'after the DDL')");
        mechanisms.withObject("physical").put("ddlReplicated", Wait.seen(followers.get("physical"), columnQuery("note"), "1",
                Duration.ofSeconds(20)));
        Wait.until("the apply worker of lab05_sub hits an error", subscriber, "SELECT apply_error_count > " + errorsBefore
                + " FROM pg_stat_subscription_stats WHERE subname = 'lab05_sub'", "t", WAIT);
        var error = ServerLog.waitFor(subscriber, "is missing replicated column", Duration.ofSeconds(10));
        error.forEach(lab::result);
        var logical = mechanisms.withObject("logical");
        logical.put("ddlReplicated", hasColumn(subscriber, "note"));
        logical.put("ddlError", error.isEmpty() ? null : error.get(0));
        lab.say("The fix: the same DDL on every logical copy (the trigger follower too, before Bucardo syncs to it).");
        addColumn(subscriber, "note");
        addColumn(followers.get("trigger"), "note");
        Logical.waitForApplyWorker(subscriber, "lab05_sub");
        waitForKey(subscriber, "pglab_write", "ddl-logical");
        lab.result("The apply worker runs again and the row arrived.");
    }

    // ---- 5.4 -------------------------------------------------------------------------------

    private void trigger() throws SQLException {
        lab.step("5.4", "Trigger-Based: Bucardo");
        lab.say("""
                Bucardo keeps its own database (on postgres-bucardo, which has PL/Perl) and puts triggers on the
                leader's tables: each write also records the row's key in a delta table, and a statement trigger
                sends a NOTIFY that wakes Bucardo, which copies the changed rows to postgres-trigger (PostgreSQL %s)
                as SQL. It reaches both through links of the lab's.""".formatted(newerVersion));
        var target = followers.get("trigger");
        var control = cluster.primary("postgres-bucardo");
        bucardo = Bucardo.install(cluster, control);
        lab.command(bucardo.command("install", "--dbhost", control.host(), "--dbport", String.valueOf(control.port()), "…"));
        var source = link("trigger", leader);
        var targetLink = link("trigger", target);
        bucardo.addDatabase("leader", "127.0.0.1", source.port(), "pagila");
        bucardo.addDatabase("follower", "127.0.0.1", targetLink.port(), "pagila");
        // Bucardo puts its triggers on each table it syncs: a partitioned table's rows live in its partitions
        bucardo.addTables("lab05", "leader", List.of(Sql.scalar(leader, SYNCED_TABLES).split(",")).stream()
                .map(t -> t.contains(".") ? t : "public." + t).toList());
        bucardo.addSequences("lab05", "leader", List.of("public.lab05_seq", "public.rental_rental_id_seq",
                "public.payment_payment_id_seq"));
        lab.command(bucardo.command("add", "sync", "lab05", "relgroup=lab05", "dbs=leader:source,follower:target",
                "onetimecopy=1"));
        bucardo.addSync("lab05", "lab05", "leader", "follower", true);
        bucardo.start(List.of("lab05"));
        lab.command(bucardo.command("start"));
        waitForKey(target, "pglab_write", "ddl-logical"); // the one-time copy brings the rows written since the dump
        lab.show(leader, "SELECT tgrelid::regclass AS table_name, tgname, CASE WHEN tgtype & 1 = 1 THEN 'row' ELSE "
                + "'statement' END AS fires_per FROM pg_trigger WHERE tgname LIKE 'bucardo%' ORDER BY 1, 2");
        lab.show(leader, "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE nspname = 'bucardo' AND relname LIKE 'delta_%' ORDER BY 1");
        mechanisms.withObject("trigger").putObject("crossVersion").put("from", version(leader))
                .put("to", version(target)).put("works", true).putNull("error");

        lab.say("""
                DDL again, now with Bucardo syncing: a column added on the leader. Bucardo copies rows with all the
                source's columns, and the target has no such column.""");
        addColumn(leader, "via");
        Sql.exec(leader, "INSERT INTO pglab_write (key, via) VALUES ('ddl-trigger', 'after the DDL')");
        String failure = bucardo.firstKidError("lab05", Duration.ofSeconds(30)).orElse(null);
        lab.command("grep 'Kid has died' " + bucardo.log() + "   # or: " + bucardo.command("status", "lab05"));
        lab.result(failure == null ? "No error within 30 s." : "Bucardo's worker died: " + failure);
        var trigger = mechanisms.withObject("trigger");
        trigger.put("ddlReplicated", hasColumn(target, "via"));
        trigger.put("ddlError", failure);
        lab.say("The fix: the column on the target (and on the logical follower, which stopped again), then Bucardo "
                + "validates the sync, restarts and runs it.");
        addColumn(target, "via");
        addColumn(followers.get("logical"), "via");
        lab.command(bucardo.command("validate", "lab05") + " && " + bucardo.command("restart") + " && "
                + bucardo.command("kick", "lab05", "30"));
        bucardo.validate("lab05");
        bucardo.restart(List.of("lab05"));
        bucardo.kick("lab05");
        waitForKey(target, "pglab_write", "ddl-trigger");
        Logical.waitForApplyWorker(followers.get("logical"), "lab05_sub");
        lab.result("The row arrived on postgres-trigger; the logical follower applies again.");
    }

    // ---- 5.5 -------------------------------------------------------------------------------

    private void statement() throws Exception {
        lab.step("5.5", "Statement-Based: pgpool-II (native replication)");
        lab.say("""
                pgpool-II sits in front of the leader and postgres-statement and sends every writing statement to
                both. They must start equal: postgres-statement gets a fresh dump of the leader, without Bucardo's
                schema and triggers.""");
        var replica = cluster.primary("postgres-statement");
        var dump = cluster.dump(leader);
        lab.command("pg_restore -l pagila.dump | grep -v bucardo > list && pg_restore -L list -d pagila … pagila.dump");
        cluster.restore(dump, replica, toc -> toc.contains("bucardo"));
        followers.put("statement", replica);
        var toLeader = link("statement", leader);
        var toReplica = link("statement", replica);
        pgpool = Pgpool.start(cluster, "pgpool", List.of(new Endpoint("127.0.0.1", toLeader.port()),
                new Endpoint("127.0.0.1", toReplica.port())), users + 4);
        lab.event("pgpool-II listens on port " + pgpool.port() + " in front of " + leader.name() + " and " + replica.name());
        var stmt = mechanisms.withObject("statement");

        lab.say("""
                The classic breakage: a row made of random(), clock_timestamp() and now(), inserted once through
                pgpool, is computed twice, once by each node.""");
        String insert = "INSERT INTO lab05_probe (key, random, clock, now) VALUES ('nondeterministic', random(), "
                + "clock_timestamp(), now())";
        lab.command(pgpool.psqlCommand() + " -c \"" + insert + "\"");
        Sql.exec(pgpool, insert);
        everyNode().values().forEach(n -> waitForKey(n, "lab05_probe", "nondeterministic"));
        var rows = Compare.onEach("lab05_probe, key 'nondeterministic'", everyNode(),
                "SELECT random::text AS random, clock::text AS clock_timestamp, now::text AS now FROM lab05_probe "
                        + "WHERE key = 'nondeterministic'");
        lab.table(rows);
        pgpool.statementsContaining("'nondeterministic'").stream().filter(st -> st.sql().startsWith("INSERT")).limit(1)
                .forEach(st -> lab.result("pgpool's log, what node " + st.node() + " was sent: " + st.sql()));
        lab.say("now() is the same: pgpool replaced it by a constant before sending. random() and clock_timestamp() are not.");
        recordNondeterministic(rows);

        lab.say("""
                A write that bypasses pgpool reaches the leader only. Nothing notices: reads through pgpool go to the
                leader, which has the row.""");
        Sql.exec(leader, "INSERT INTO pglab_write (key) VALUES ('bypass')");
        var bypass = Table.create("key 'bypass'", StringColumn.create("read on"), StringColumn.create("rows"));
        for (Node n : List.of(pgpool, leader, replica)) {
            bypass.stringColumn(0).append(n.name());
            bypass.stringColumn(1).append(Sql.scalar(n, "SELECT count(*) FROM pglab_write WHERE key = 'bypass'"));
        }
        lab.table(bypass);
        stmt.put("bypassDiverged", !"1".equals(Sql.scalar(replica, "SELECT count(*) FROM pglab_write WHERE key = 'bypass'")));

        lab.say("""
                insert_lock: an insert into a table with a serial column first locks that table on every node, so
                that the nodes hand out the same numbers. %d clients insert into lab05_probe at once, with the lock
                and with /*NO INSERT LOCK*/ (pgpool's own comment to skip it).""".formatted(users));
        var lockTable = Table.create("inserts through pgpool", StringColumn.create("insert_lock"), StringColumn.create("p50 ms"),
                StringColumn.create("p90 ms"), StringColumn.create("rows whose n differs between the nodes"));
        var lockJson = stmt.putObject("insertLock");
        for (var arm : List.of(Map.entry("on", ""), Map.entry("off", "/*NO INSERT LOCK*/ "))) {
            String prefix = "lock-" + arm.getKey();
            var latency = ConcurrentStatements.latency(pgpool, users, 25,
                    (client, i) -> arm.getValue() + "INSERT INTO lab05_probe (key) VALUES ('" + prefix + "-" + client + "-" + i + "')");
            long differ = Compare.differing(leader, replica, "SELECT key, n FROM lab05_probe WHERE key LIKE '" + prefix + "-%'");
            double p50 = Latency.round(Latency.percentileMs(latency, 50));
            double p90 = Latency.round(Latency.percentileMs(latency, 90));
            lockTable.stringColumn(0).append(arm.getKey());
            lockTable.stringColumn(1).append(String.valueOf(p50));
            lockTable.stringColumn(2).append(String.valueOf(p90));
            lockTable.stringColumn(3).append(String.valueOf(differ));
            lockJson.putObject(arm.getKey()).put("inserts", latency.getTotalCount()).put("p50Ms", p50).put("p90Ms", p90)
                    .put("rowsDiffering", differ);
        }
        lab.table(lockTable);

        lab.say("DDL through pgpool is a statement like any other: both nodes run it.");
        Sql.exec(pgpool, "CREATE TABLE lab05_ddl (id int PRIMARY KEY)");
        stmt.put("ddlReplicated", hasTable(leader, "lab05_ddl") && hasTable(replica, "lab05_ddl"));

        lab.say("Mixed majors: pgpool in front of the leader and the PostgreSQL " + newerVersion + " follower.");
        var cross = stmt.putObject("crossVersion").put("from", version(leader)).put("to", version(followers.get("logical")));
        try (var mixed = Pgpool.start(cluster, "pgpool-mixed", List.of(cluster.nodeRuntime().endpointSeenFromNodes(leader),
                cluster.nodeRuntime().endpointSeenFromNodes(followers.get("logical"))), 2)) {
            cross.put("works", true).putNull("error");
            lab.result("A login through it worked.");
        } catch (LabException e) {
            cross.put("works", false).put("error", e.getMessage());
            lab.result(e.getMessage());
        }
    }

    // ---- 5.6 -------------------------------------------------------------------------------

    private void sideBySide() {
        lab.step("5.6", "Side by Side");
        lab.say("""
                One workload (%.0f new rentals per second, %d connections) runs through phases of %d s, after a
                few seconds of warm-up. Each phase puts one mechanism on the write path; the followers of the others
                keep streaming:
                  alone      writes go straight to the leader; the physical and logical links are cut and
                             Bucardo's triggers are off: the leader alone, the baseline (first and last)
                  statement  writes go through pgpool
                  plain      straight to the leader again: physical and logical replication stream them
                  trigger    straight to the leader, with Bucardo's triggers on
                Per mechanism: the bytes on all its links, both ways, until its follower has every write of the
                phase; the leader's WAL records (pg_walinspect; full-page images apart, they depend on the last
                checkpoint); write latency (each phase's first second left out: connections move then); and lag,
                from a write's acknowledgement to the first query on the follower that finds its key (one polling
                round, about a millisecond, is the resolution). Writes of a phase that bypasses a follower never
                reach it: postgres-trigger misses those made with the triggers off, postgres-statement those that
                did not go through pgpool.""".formatted(rate, users, phase.toSeconds()));
        var off = Bucardo.setTriggers(leader, false);
        lab.command(leader.psqlCommand() + " -c \"" + off.get(0) + "\"   # and so on for each of Bucardo's " + off.size()
                + " triggers (ENABLE to switch them back on)");
        Wal.inspect(leader);
        var streaming = new ArrayList<>(links.get("physical").values());
        streaming.addAll(links.get("logical").values());
        var workload = new Workload(lab.startNanos(), rate, 0, users);
        workload.start(leader, leader);
        lab.event("Warm-up: " + WARM_UP_RUN.toSeconds() + " s of writes straight to the leader, not measured");
        Wait.sleep(WARM_UP_RUN); // the JIT, the connections and the pages every write touches: not what a phase measures
        var phases = new ArrayList<Phases.Phase>();
        try (var run = new Phases(leader, workload.ledger(), lab.startNanos(), POLL, WAIT)) {
            phases.add(phase(run, "alone", () -> cutStreaming(streaming)));
            phases.add(phase(run, "statement", () -> {
                streaming.forEach(Link::restore); // they catch up on what the leader wrote alone: not measured here
                workload.reroute(pgpool);
            }, "statement"));
            phases.add(phase(run, "plain", () -> workload.reroute(leader), "physical", "logical"));
            phases.add(phase(run, "trigger", () -> Bucardo.setTriggers(leader, true), "trigger"));
            phases.add(phase(run, "alone again", () -> {
                Bucardo.setTriggers(leader, false);
                cutStreaming(streaming);
            }));
            var results = workload.stop();
            var ledger = results.ledger();
            Report.csv(Timeline.perSecond(results), lab.out().resolve("per-second.csv"));
            ledger.writeCsv(lab.out().resolve("writes.csv"));
            streaming.forEach(Link::restore);
            lab.event("Workload stopped: " + ledger.ok() + " writes acknowledged; the physical and logical links are back");
            var lastKey = ledger.lastOk().orElseThrow(() -> new LabException("no write was acknowledged")).key();
            leader.waitForCatchup(followers.get("physical"), WAIT);
            waitForKey(followers.get("logical"), "pglab_write", lastKey);

            var baselinePhases = List.of(phases.get(0), phases.get(phases.size() - 1));
            var baseline = baselinePhases.get(0).latency(ledger, WARM_UP).copy();
            baseline.add(baselinePhases.get(1).latency(ledger, WARM_UP));
            var base = summary.putObject("baseline");
            baselinePhases.forEach(p -> base.withArray("phases").add(p.name()));
            MechanismReport.wal(base, baselinePhases, ledger);
            base.set("writeLatency", MechanismReport.latency(baseline, null));
            var phasesJson = summary.putArray("phases");
            for (var p : phases) {
                phasesJson.addObject().put("name", p.name()).put("seconds", round((p.endNanos() - p.startNanos()) / 1e9))
                        .put("writes", p.writes(ledger)).put("leaderWalRecordBytes", p.wal().records())
                        .put("leaderWalFullPageImageBytes", p.wal().fullPageImages());
                for (String mechanism : p.measured().keySet()) {
                    MechanismReport.measured(mechanisms.withObject(mechanism), mechanism, p, baseline, ledger, WARM_UP);
                }
            }
        }
        sequencesTried();
        lab.step("Outcome", "Four ways to copy a leader");
        lab.table(MechanismReport.table(mechanisms, MECHANISMS));
        var plot = MechanismReport.chart(mechanisms, MECHANISMS, lab.out().resolve("mechanisms.png"));
        summary.putArray("plots").add(plot.getFileName().toString());
        lab.say("""
                WAL streaming ships the leader's own WAL: nothing extra for the leader, but only to the same major.
                Logical replication ships rows, to a newer major too, and leaves DDL and sequences behind. Triggers
                write every change a second time on the leader and sync in batches, late. Statements run on every
                node in lockstep, slower, and compute non-deterministic functions once per node.""");
        lab.result(measuredHere());
    }

    /** The outcome in this run's own numbers. */
    private String measuredHere() {
        var m = mechanisms;
        double walRatio = m.at("/trigger/leaderWalBytesPer1000Writes").asDouble()
                / m.at("/physical/leaderWalBytesPer1000Writes").asDouble();
        return String.format(java.util.Locale.ROOT, """
                Measured here: with Bucardo's triggers the leader wrote %.1f times the WAL records per write, and the
                trigger follower showed a write %.0f ms after its commit (p50); the physical standby %.1f ms, the
                logical subscriber %.1f ms. Through pgpool a write took %+.1f ms more at p50 than on the leader alone,
                and its two nodes computed %s.""", walRatio,
                m.at("/trigger/lagMs/p50").asDouble(), m.at("/physical/lagMs/p50").asDouble(),
                m.at("/logical/lagMs/p50").asDouble(), m.at("/statement/writeLatency/overheadP50Ms").asDouble(),
                m.at("/statement/nondeterministicSafe").asBoolean() ? "the same random() value, this once"
                        : "different random() values");
    }

    /** The physical standby and the subscriber lose their links: their WAL senders end, the leader is alone. */
    private static void cutStreaming(List<Link> streaming) {
        streaming.forEach(Link::cut);
    }

    private Phases.Phase phase(Phases run, String name, Runnable route, String... measured) {
        lab.event("Phase \"" + name + "\"" + (measured.length == 0 ? " (the baseline)" : " (measures " + String.join(", ", measured) + ")"));
        return run.run(name, phase, route, List.of(measured).stream()
                .map(m -> new Phases.Mechanism(m, followers.get(m), links.get(m))).toList());
    }

    // ---- tries and the comparison ------------------------------------------------------------

    private void sequencesTried() {
        lab.say("""
                Sequences, tried: lab05_seq moved on the leader with every insert into lab05_probe (5.5). Each
                follower's value of it now:""");
        var table = Compare.onEach("lab05_seq", everyNode(), "SELECT last_value FROM lab05_seq");
        lab.table(table);
        long leaderValue = Long.parseLong(table.getString(0, 2));
        for (int r = 1; r < table.rowCount(); r++) {
            long value = Long.parseLong(table.getString(r, 2));
            var m = mechanisms.withObject(table.getString(r, 1));
            // a standby shows the value the leader logged ahead (up to 32 more): never behind is what counts
            m.put("sequencesReplicated", value >= leaderValue);
            m.putObject("sequence").put("leader", leaderValue).put("follower", value);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** The leader and each mechanism's follower, labelled by the mechanism. */
    private Map<String, Node> everyNode() {
        var nodes = new LinkedHashMap<String, Node>();
        nodes.put("(the leader)", leader);
        MECHANISMS.forEach(m -> nodes.put(m, followers.get(m)));
        return nodes;
    }

    /** A link in front of {@code target} for {@code mechanism}'s connections to it: the bytes it carries are the mechanism's. */
    private Link link(String mechanism, Node target) {
        var link = cluster.link(target);
        link.delay(linkDelay, Duration.ZERO);
        links.computeIfAbsent(mechanism, m -> new LinkedHashMap<>()).put("to " + target.name(), link);
        return link;
    }

    private void writeRental(String key) {
        try (Connection c = leader.connect(); var ps = PagilaOps.write(c, PagilaOps.Ranges.of(leader), key)) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new LabException("a write on " + leader.name() + " failed: " + e.getMessage());
        }
    }

    /** test_decoding's lines are long: the first 110 characters say which table, what and which key. */
    private static Table shortened(Table changes) {
        var data = StringColumn.create("data");
        changes.stringColumn("data").forEach(d -> data.append(d.length() > 110 ? d.substring(0, 110) + "…" : d));
        return Table.create("decoded change stream", changes.column("lsn"), changes.column("xid"), data);
    }

    private void showOnBoth(String sql, Node a, Node b) {
        lab.command(a.psqlCommand() + " -c \"" + sql + "\"   # and on " + b.name());
        var t = Table.create(sql, StringColumn.create("node"), StringColumn.create("value"));
        for (Node n : List.of(a, b)) {
            t.stringColumn(0).append(n.name());
            t.stringColumn(1).append(Sql.scalar(n, sql));
        }
        lab.table(t);
    }

    private void addColumn(Node node, String column) {
        String sql = "ALTER TABLE pglab_write ADD COLUMN " + column + " text";
        lab.command(node.psqlCommand() + " -c \"" + sql + "\"");
        Sql.exec(node, sql);
    }

    private static boolean hasColumn(Node node, String column) {
        return "1".equals(Sql.scalar(node, columnQuery(column)));
    }

    private static String columnQuery(String column) {
        return "SELECT count(*) FROM information_schema.columns WHERE table_name = 'pglab_write' AND column_name = '"
                + column + "'";
    }

    private static boolean hasTable(Node node, String table) {
        return Sql.scalar(node, "SELECT to_regclass('" + table + "')") != null;
    }

    private static void waitForKey(Node node, String table, String key) {
        Wait.until(node.name() + " has the row " + key, node, "SELECT count(*) FROM " + table + " WHERE key = '" + key + "'",
                "1", WAIT);
    }

    private void dropSlot(Node standby) {
        dropSlot(standby.name());
    }

    private void dropSlot(String standbyName) {
        String slot = labkit.cluster.NodeRuntime.slotName(standbyName);
        Sql.exec(leader, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
    }

    private void recordNondeterministic(Table rows) {
        var leaderRow = rows.row(0);
        for (int r = 1; r < rows.rowCount(); r++) {
            String mechanism = rows.getString(r, 1);
            boolean same = true;
            for (int c = 2; c < 5; c++) {
                same &= rows.getString(r, c).equals(leaderRow.getString(c));
            }
            var m = mechanisms.withObject(mechanism);
            m.put("nondeterministicSafe", same);
            var values = m.putObject("nondeterministic");
            for (var side : List.of(Map.entry("leader", 0), Map.entry("follower", r))) {
                values.putObject(side.getKey()).put("random", rows.getString(side.getValue(), 2))
                        .put("clockTimestamp", rows.getString(side.getValue(), 3)).put("now", rows.getString(side.getValue(), 4));
            }
        }
    }

    /** The server's version number, without a packager's suffix ("15.18", not "15.18 (Debian 15.18-0+deb12u1)"). */
    private static String version(Node node) {
        return node.version().split(" ")[0];
    }

    private static long fileSize(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.size(p);
        } catch (java.io.IOException e) {
            throw new LabException("cannot read the size of " + p + ": " + e.getMessage());
        }
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
