package labkit.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Bucardo 5: trigger-based, asynchronous replication, driven through its own command line, the
 * commands a student would type. Its control database ("bucardo") lives on a node of its own,
 * whose server needs PL/Perl; the databases it syncs are reached by host and port, so a lab can
 * put a {@link Link} in front of each and count what Bucardo sends.
 *
 * <p>Facts that shape this class: Debian's /etc/bucardorc is read unless --bucardorc names
 * another file; `bucardo stop` writes into the current folder; `bucardo install` appends the
 * password it made up to ~/.pgpass; a PGPASSWORD in the environment would override that file.
 * So every command runs in this Bucardo's own folder ({@link ToolHost}), with HOME there and
 * without PGPASSWORD.
 */
public final class Bucardo implements AutoCloseable, Cluster.Remains {
    /** Bucardo's triggers on a source's tables, and whether each fires per row or per statement. */
    public static final String SHOW_TRIGGERS = "SELECT tgrelid::regclass AS table_name, tgname, CASE WHEN tgtype & 1 = 1 "
            + "THEN 'row' ELSE 'statement' END AS fires_per FROM pg_trigger WHERE tgname LIKE 'bucardo%' ORDER BY 1, 2";
    /** The delta tables in which Bucardo's row triggers record the changed keys. */
    public static final String SHOW_DELTA_TABLES = "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            + "WHERE nspname = 'bucardo' AND relname LIKE 'delta_%' ORDER BY 1";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final ToolHost tools;
    private final String rc;
    private final Path logDir;
    /** Where Bucardo reaches its control database. */
    private NodeRuntime.Endpoint control;
    private volatile boolean running;
    /** The daemons' PIDs when it was stopped, for {@link #leftovers}: the PID files go with the work dir. */
    private volatile List<Long> stopped = List.of();
    /** The daemons a clean stop under way is waiting for (a restart's), killed at once on Ctrl+C. */
    private volatile List<Long> stopping = List.of();

    private Bucardo(ToolHost tools, Path logDir) {
        this.tools = tools;
        this.rc = tools.path("bucardorc");
        this.logDir = logDir;
    }

    /**
     * What this machine lacks to run Bucardo beside {@code cluster}'s servers, as package names:
     * the bucardo program, and PL/Perl of exactly the servers' version (its control database
     * needs it; the server binaries from Maven Central carry a plperl.so that does not load).
     * Empty when nothing is missing.
     */
    static Optional<String> missing(PgInstall pg) {
        var missing = new ArrayList<String>();
        if (OsUser.which("bucardo").isEmpty()) {
            missing.add("bucardo");
        }
        if (pg.source().equals("maven-central") || !Files.exists(pg.binDir().resolveSibling("lib").resolve("plperl.so"))) {
            missing.add("postgresql-" + pg.major() + " with postgresql-plperl-" + pg.major() + " of the same version"
                    + (pg.source().equals("maven-central") ? " (the servers here are Maven Central's, without PL/Perl)" : ""));
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", missing));
    }

    /**
     * {@code bucardo install}: creates the bucardo role and database on {@code control} (a node of
     * the cluster's own major, which has PL/Perl) and points a bucardorc at it. Bucardo itself runs
     * in the cluster's tool folder "bucardo" (in compose: the service bucardo). The cluster stops
     * it at teardown.
     */
    public static Bucardo install(Cluster cluster, Node control) {
        var env = Env.get();
        var bucardo = cluster.own(new Bucardo(cluster.toolService("bucardo", 0), cluster.logDir()));
        var tools = bucardo.tools;
        var db = tools.reach(control);
        bucardo.control = db;
        tools.write("bucardorc", String.join("\n", "dbhost=" + db.host(), "dbport=" + db.port(), "dbname=bucardo",
                "dbuser=bucardo", "piddir=" + tools.dir(), ""), false);
        // Bucardo's processes and the psql it runs find the superuser's password here, never on a command line.
        tools.write(".pgpass", "*:*:*:" + pgpassEscape(env.superuser()) + ":" + pgpassEscape(env.superuserPassword()) + "\n", true);
        bucardo.run("install", "--dbuser", env.superuser(), "--dbname", "postgres", "--dbhost", db.host(),
                "--dbport", String.valueOf(db.port()), "--pid-dir", tools.dir(), "--batch");
        bucardo.run("set", "reason_file=" + tools.path("restart.reason"), "log_conflict_file=" + tools.path("conflict.log"));
        return bucardo;
    }

    /**
     * {@code bucardo add db}: a database Bucardo reaches at {@code host:port} as the superuser.
     * The password goes into Bucardo's own database: its PL/Perl functions connect from inside
     * the server, whose processes do not read this Bucardo's .pgpass.
     */
    private String addDatabase(String name, String host, int port, String database) {
        var env = Env.get();
        return run("add", "db", name, "dbname=" + database, "host=" + host, "port=" + port, "user=" + env.superuser(),
                "pass=" + env.superuserPassword());
    }

    /** {@code bucardo add table}: tables of database {@code db} into relgroup {@code relgroup}. */
    private String addTables(String relgroup, String db, List<String> tables) {
        var args = new ArrayList<>(List.of("add", "table"));
        args.addAll(tables);
        args.addAll(List.of("db=" + db, "relgroup=" + relgroup));
        return run(args.toArray(String[]::new));
    }

    /** {@code bucardo add sequence}: Bucardo copies a sequence's value whenever its sync runs. */
    private String addSequences(String relgroup, String db, List<String> sequences) {
        var args = new ArrayList<>(List.of("add", "sequence"));
        args.addAll(sequences);
        args.addAll(List.of("db=" + db, "relgroup=" + relgroup));
        return run(args.toArray(String[]::new));
    }

    /**
     * {@code bucardo add sync}: one-way from {@code source} to {@code target}. It installs the
     * triggers on the source's tables. {@code copyFirst} (onetimecopy=1): the first run copies
     * the whole tables to the target, Bucardo's initial sync.
     */
    private String addSync(String sync, String relgroup, String source, String target, boolean copyFirst) {
        return run("add", "sync", sync, "relgroup=" + relgroup, "dbs=" + source + ":source," + target + ":target",
                "onetimecopy=" + (copyFirst ? 1 : 0));
    }

    /**
     * A one-way sync {@code sync} from the lab database at {@code source} to the one at
     * {@code target} (databases "leader" and "follower" to Bucardo): {@code tables} and
     * {@code sequences} into relgroup {@code sync}, the sync with its one-time copy, then
     * {@code bucardo start}. Returns the commands a student would type, in order.
     */
    public List<String> syncOneWay(String sync, NodeRuntime.Endpoint source, NodeRuntime.Endpoint target, List<String> tables,
                                   List<String> sequences) {
        String database = Env.get().database();
        addDatabase("leader", source.host(), source.port(), database);
        addDatabase("follower", target.host(), target.port(), database);
        addTables(sync, "leader", tables);
        addSequences(sync, "leader", sequences);
        addSync(sync, sync, "leader", "follower", true);
        start(List.of(sync));
        return List.of(command("add", "db", "leader", "dbname=" + database, "host=" + source.host(), "port=" + source.port(), "…"),
                command("add", "db", "follower", "dbname=" + database, "host=" + target.host(), "port=" + target.port(), "…"),
                command("add", "table", "public.rental", "…", "db=leader", "relgroup=" + sync),
                command("add", "sync", sync, "relgroup=" + sync, "dbs=leader:source,follower:target", "onetimecopy=1"),
                command("start"));
    }

    /**
     * After a DDL: {@code bucardo validate SYNC}, a restart (the daemons read the validated sync
     * again) and {@code bucardo kick SYNC 30}. Returns the command line a student types.
     */
    public String resync(String sync) {
        validate(sync);
        restart(List.of(sync));
        kick(sync);
        return command("validate", sync) + " && " + command("restart") + " && " + command("kick", sync, "30");
    }

    /**
     * Switches Bucardo's triggers on {@code source}'s tables off or back on ({@code ALTER TABLE …
     * DISABLE/ENABLE TRIGGER}). While they are off, writes there cost no trigger and reach neither
     * Bucardo's delta tables nor its targets. Returns the statements run.
     */
    public static List<String> setTriggers(Node source, boolean enabled) {
        var statements = Sql.query(source, "SELECT format('ALTER TABLE %s " + (enabled ? "ENABLE" : "DISABLE")
                + " TRIGGER %I', tgrelid::regclass, tgname) FROM pg_trigger WHERE tgname LIKE 'bucardo\\_%' "
                + "AND NOT tgisinternal ORDER BY 1").stringColumn(0).asList();
        statements.forEach(sql -> Sql.exec(source, sql));
        return statements;
    }

    /** {@code bucardo start}; returns once every sync has its worker ("kid") running. */
    private void start(List<String> syncs) {
        running = true; // before the start: a teardown meanwhile (Ctrl+C) kills whatever of it has started
        run("start", "--log-destination", tools.dir());
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        for (String sync : syncs) {
            String kid = "bucardo.kid.sync." + sync + ".pid";
            while (!tools.files().contains(kid)) {
                if (System.nanoTime() > deadline) {
                    throw new LabException("Bucardo's sync " + sync + " did not start within " + START_TIMEOUT.toSeconds()
                            + " s: " + lastLogLine() + " (log: " + log() + ")");
                }
                Wait.sleep(Duration.ofMillis(100));
            }
        }
    }

    /** {@code bucardo validate SYNC}: compares the tables on both sides again (after a DDL). */
    private String validate(String sync) {
        return run("validate", sync);
    }

    /** {@code bucardo kick SYNC 30}: runs the sync now and waits (up to 30 s) until it is done. */
    private String kick(String sync) {
        return run("kick", sync, "30");
    }

    /** {@code bucardo restart}: the daemons read the validated syncs again. */
    private void restart(List<String> syncs) {
        stop();
        start(syncs);
    }

    /**
     * The first error a worker ("kid") of {@code sync} died of, as its log says, waiting up to
     * {@code timeout} for one: quicker than asking `bucardo status`, which only shows it once the
     * controller has noted it.
     */
    public Optional<String> firstKidError(String sync, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            var error = kidError(logLines("Kid has died", Integer.MAX_VALUE), sync);
            if (error.isPresent()) {
                return error;
            }
            Wait.sleep(Duration.ofMillis(100));
        } while (System.nanoTime() < deadline);
        return Optional.empty();
    }

    /**
     * The error of the first "Kid has died" line of {@code sync} among {@code logLines}, up to its
     * CONTEXT or source line; a kid its controller stopped ("CTL request", at a stop) did not fail.
     */
    static Optional<String> kidError(List<String> logLines, String sync) {
        String marker = "KID (" + sync + ") Kid has died, error is: ";
        return logLines.stream().filter(l -> l.contains(marker))
                .map(l -> l.substring(l.indexOf(marker) + marker.length()).split("\\\\n| at /")[0].strip())
                .filter(error -> !error.startsWith("CTL request")).findFirst();
    }

    /** The {@code bucardo install} a student types (where Bucardo reaches its database; the rest elided). */
    public String installCommand() {
        return command("install", "--dbhost", control.host(), "--dbport", String.valueOf(control.port()), "…");
    }

    /** The command line a student types for {@code args}, e.g. {@code bucardo --bucardorc <rc> status s1}. */
    public String command(String... args) {
        return "bucardo --bucardorc " + rc + " " + String.join(" ", args);
    }

    /** Its log, as Bucardo sees it. */
    public String log() {
        return tools.path("log.bucardo");
    }

    /** The last lines of Bucardo's log that contain {@code text}. */
    public List<String> logLines(String text, int max) {
        List<String> hits = tools.read("log.bucardo").stream().filter(l -> l.contains(text)).toList();
        return hits.subList(Math.max(0, hits.size() - max), hits.size());
    }

    /** {@code bucardo stop}, then whatever of it still runs is killed by the PIDs in its files. */
    public void stop() {
        if (!running && stopping.isEmpty()) {
            return;
        }
        if (Cluster.interrupted()) {
            // Ctrl+C: nothing is kept, and a clean stop takes seconds: its daemons are killed at once,
            // those a restart under way was stopping too (it had set running to false, and a stopping
            // daemon may already have removed its PID file)
            running = false;
            var live = new java.util.LinkedHashSet<>(stopping);
            live.addAll(livePids());
            stopped = List.copyOf(live);
            stopped.forEach(tools::killTree);
            return;
        }
        if (!running) {
            return; // a restart's clean stop is under way on the lab's thread
        }
        running = false;
        stopped = livePids();
        stopping = stopped;
        try {
            run("stop");
        } catch (LabException e) {
            // the daemons may have died already; the PID files below say what is left
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!livePids().isEmpty() && System.nanoTime() < deadline) {
            Wait.sleep(Duration.ofMillis(100));
        }
        livePids().forEach(tools::killTree);
        stopping = List.of();
    }

    /** Its daemons that still run after {@link #stop} (local: in Docker they end with the container). */
    @Override
    public List<String> leftovers() {
        if (!tools.kind().equals("local")) {
            return List.of();
        }
        return stopped.stream().filter(tools::alive).map(pid -> "Bucardo (PID " + pid + ") still runs").toList();
    }

    /** Stops Bucardo and keeps its log with the nodes' (out/&lt;lab&gt;/logs/bucardo.log). */
    @Override
    public void close() {
        stop();
        tools.keep("log.bucardo", logDir, "bucardo.log");
    }

    /** How to stop it by hand (printed after --keep). */
    @Override
    public String toString() {
        return "Bucardo (stop: " + tools.commandLine(List.of("bucardo", "--bucardorc", rc, "stop")) + ")";
    }

    /** The PIDs in Bucardo's PID files that still run. */
    private List<Long> livePids() {
        return tools.files().stream().filter(f -> f.matches("bucardo\\..*\\.pid")).flatMap(f -> tools.read(f).stream())
                .map(String::strip).filter(pid -> pid.matches("\\d+")).map(Long::parseLong).filter(tools::alive).toList();
    }

    private String lastLogLine() {
        List<String> lines = logLines("", 1);
        return lines.isEmpty() ? "no log written" : lines.get(0);
    }

    private String run(String... args) {
        var cmd = new ArrayList<>(List.of("bucardo", "--bucardorc", rc));
        cmd.addAll(List.of(args));
        return tools.run(Map.of(), COMMAND_TIMEOUT, cmd);
    }

    /** .pgpass fields escape ':' and '\'. */
    private static String pgpassEscape(String s) {
        return s.replace("\\", "\\\\").replace(":", "\\:");
    }
}
