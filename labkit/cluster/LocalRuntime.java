package labkit.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * PostgreSQL server processes on 127.0.0.1, one data directory per node under a work dir that
 * is removed at close. When the kit runs as root the servers run as an unprivileged OS user.
 */
final class LocalRuntime implements NodeRuntime {
    private static final Pattern BASEBACKUP_KB = Pattern.compile("(\\d+)/(\\d+) kB");

    private final PgInstall pg;
    private final Path workDir;
    private final Path logDir;
    /** Added to by the lab's thread, read by a Ctrl+C teardown at any moment: copy-on-write. */
    private final List<LocalNode> nodes = new CopyOnWriteArrayList<>();
    private volatile java.util.function.IntUnaryOperator portWhenTaken;

    /** @param logDir where node logs are kept after close (out/&lt;lab&gt;/logs) */
    public LocalRuntime(PgInstall pg, Path logDir) {
        this.pg = pg;
        this.logDir = logDir;
        try {
            this.workDir = Files.createTempDirectory("pglab-");
        } catch (IOException e) {
            throw new LabException("cannot create a work dir in " + System.getProperty("java.io.tmpdir") + ": " + e.getMessage());
        }
        OsUser.chown(workDir);
    }

    @Override public String kind() { return "local"; }

    public PgInstall install() { return pg; }

    @Override
    public Node createPrimary(String name, int port) {
        LocalNode node = newNode(name, port);
        var env = Env.get();
        Path pwFile = workDir.resolve(name + ".pw");
        write(pwFile, env.superuserPassword());
        OsUser.chown(pwFile);
        Processes.run(OsUser.asServerUser(List.of(pg.tool("initdb").toString(), "-D", node.dataDir().toString(),
                "-U", env.superuser(), "--pwfile=" + pwFile, "--auth-local=trust", "--auth-host=scram-sha-256",
                "--encoding=UTF8", "--locale=C")), Map.of(), Duration.ofSeconds(120));
        copyConf("pg_hba.conf", node.dataDir().resolve("pg_hba.conf"));
        // conf/replication.conf is the whole configuration, as compose.yaml's config_file makes it in
        // Docker: initdb's own lines (time zone, text search, locale) would make the runtimes differ
        copyConf("replication.conf", node.dataDir().resolve("postgresql.conf"));
        node.appendConf(nodeSettings(name, port));
        node.start();
        Sql.execIn(node, "postgres", "CREATE DATABASE " + env.database());
        Sql.exec(node, "CREATE ROLE " + env.replicationUser() + " WITH REPLICATION LOGIN PASSWORD '"
                + env.replicationPassword() + "'");
        return node;
    }

    @Override
    public BaseBackup createStandby(String name, int port, Node primary, Endpoint upstream, LongConsumer bytesCopied) {
        LocalNode standby = newNode(name, port);
        BaseBackup backup = baseBackupInto(standby, primary, upstream, bytesCopied);
        standby.start();
        return backup;
    }

    /**
     * A base backup of {@code primary} into {@code standby}'s empty data directory, as a standby
     * streaming from {@code upstream} through its slot (created first, so that it reserves the WAL
     * the copy needs): pg_basebackup when the binaries have it, else the low-level API.
     */
    private BaseBackup baseBackupInto(LocalNode standby, Node primary, Endpoint upstream, LongConsumer bytesCopied) {
        NodeRuntime.createSlot(primary, standby.name());
        String slot = NodeRuntime.slotName(standby.name());
        long started = System.nanoTime();
        BaseBackup backup;
        if (pg.hasPgBasebackup()) {
            long bytes = pgBasebackup(standby, upstream, slot, bytesCopied);
            backup = new BaseBackup(standby, "pg_basebackup", bytes, seconds(started));
        } else {
            long bytes = LowLevelBackup.copy((LocalNode) primary, standby.dataDir(), bytesCopied);
            backup = new BaseBackup(standby, "low-level-api", bytes, seconds(started));
            followUpstream(standby, upstream);
        }
        standby.appendConf(nodeSettings(standby.name(), standby.port()));
        OsUser.chown(standby.dataDir());
        return backup;
    }

    @Override
    public void followAsIs(Node node, Node primary, Endpoint upstream) {
        LocalNode local = (LocalNode) node;
        NodeRuntime.createSlot(primary, node.name());
        followUpstream(local, upstream);
        OsUser.chown(local.dataDir());
        local.start();
    }

    @Override
    public NodeRuntime ofMajor(String major, Narrator narrator) {
        PgInstall other = PgBinaries.find(java.util.Optional.empty(), major, false, narrator::progress);
        narrator.event("Using PostgreSQL " + other.version() + " from " + other.binDir() + " (" + other.source() + ")");
        return new LocalRuntime(other, logDir);
    }

    @Override
    public Path folder(String name) {
        Path dir = workDir.resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LabException("cannot create " + dir + ": " + e.getMessage());
        }
        OsUser.chown(dir);
        return dir;
    }

    @Override
    public PgInstall clientTools() {
        return pg;
    }

    @Override
    public Endpoint endpointSeenFromNodes(Node node) {
        return new Endpoint("127.0.0.1", node.port());
    }

    @Override public String hostSeenFromNodes() { return "127.0.0.1"; }

    @Override public String bindAddressForNodes() { return "127.0.0.1"; }

    /**
     * pg_rewind when the binaries have it; the server binaries from Maven Central have none, so
     * there the old data directory is replaced by a fresh base backup of {@code source}.
     */
    @Override
    public Rewind rejoinAsStandby(Node node, Node source, Endpoint upstream) {
        LocalNode local = (LocalNode) node;
        if (local.isRunning()) {
            throw new LabException(node.name() + " must be stopped before it can rejoin as a standby");
        }
        // A crash-killed postmaster leaves its postmaster.pid; it is dead (kill() waited), so the file is stale.
        deleteTree(local.dataDir().resolve("postmaster.pid"));
        if (!pg.hasPgRewind()) {
            deleteTree(local.dataDir());
            BaseBackup backup = baseBackupInto(local, source, upstream, bytes -> {});
            local.start();
            return Rewind.baseBackup("rm -rf " + local.dataDir() + ", then a base backup of " + source.name() + " into it ("
                    + backup.method() + ")", backup.method(), backup.bytes());
        }
        NodeRuntime.createSlot(source, node.name());
        Rewind.checkpointForRewind(source);
        var env = Env.get();
        String sourceServer = "host=" + source.host() + " port=" + source.port() + " user=" + env.superuser()
                + " dbname=" + env.database();
        var command = new ArrayList<>(List.of(pg.tool("pg_rewind").toString(), "-D", local.dataDir().toString(),
                "--source-server=" + sourceServer, "--progress"));
        if (pg.major() >= 12) {
            command.add("-R"); // standby.signal; the primary_conninfo it writes is replaced below
        }
        String shown = String.join(" ", command).replace("--source-server=" + sourceServer,
                "--source-server=\"" + sourceServer + "\"");
        var rewind = Rewind.parsePgRewind(shown, Processes.run(OsUser.asServerUser(command),
                Map.of("PGPASSWORD", env.superuserPassword()), Duration.ofMinutes(5)));
        // pg_rewind copied the source's configuration files: make the node itself again
        local.appendConf(nodeSettings(local.name(), local.port()));
        followUpstream(local, upstream);
        OsUser.chown(local.dataDir());
        local.start();
        return rewind;
    }

    /**
     * One pg_ctl stop per node that is up, each on its own ({@code ;}: a node that went down since
     * does not keep the others and the work dir), then the work dir. Only after {@link #keep}, which
     * removed the postmaster.pid of every node that is down.
     */
    @Override
    public String teardownHint() {
        var steps = new ArrayList<String>();
        for (LocalNode n : nodes) {
            if (n.isRunning()) {
                steps.add(String.join(" ", OsUser.asServerUser(
                        List.of(pg.tool("pg_ctl").toString(), "stop", "-m", "fast", "-D", n.dataDir().toString()))));
            }
        }
        steps.add("rm -rf " + workDir);
        return String.join("; ", steps);
    }

    /**
     * Crash-stops what is still running (nothing to keep): SIGKILL to every node first, then one
     * bounded wait for all of them, so that they go down together; one that will not go does not
     * keep the others. Then the logs are kept and the work dir removed.
     */
    @Override
    public void close() {
        var killed = new java.util.LinkedHashMap<LocalNode, List<ProcessHandle>>();
        nodes.forEach(node -> killed.put(node, Postmaster.signalKill(node.dataDir())));
        TeardownTimes.mark("SIGKILL sent to every node");
        long deadline = Postmaster.killDeadline();
        killed.forEach((node, processes) -> {
            try {
                Postmaster.awaitGone(processes, node.name(), deadline);
            } catch (RuntimeException e) {
                System.err.println("could not stop " + node.name() + ": " + e.getMessage());
            }
        });
        TeardownTimes.mark("every node gone");
        nodes.forEach(this::copyLog);
        TeardownTimes.mark("logs kept");
        deleteTree(workDir);
        TeardownTimes.mark("work dir removed");
    }

    @Override
    public List<String> leftovers() {
        var left = new ArrayList<String>();
        for (LocalNode node : nodes) {
            Postmaster.of(node.dataDir()).ifPresent(p -> left.add(node.name() + " still runs (PID " + p.pid() + ")"));
        }
        if (Files.exists(workDir)) {
            left.add("work dir " + workDir);
        }
        return left;
    }

    /** Ports the kit chose (no --port) may move when another program takes one first: see {@link LocalNode#start}. */
    void movePortsWhenTaken(java.util.function.IntUnaryOperator portWhenTaken) {
        this.portWhenTaken = portWhenTaken;
    }

    /**
     * --keep: the nodes stay up and their logs are saved now. A node that is down (the lab crashed
     * it) keeps no postmaster.pid: a pg_ctl by hand would signal the dead PID in it, or another
     * process that has it by now.
     */
    public void keep() {
        for (LocalNode node : nodes) {
            copyLog(node);
            if (!node.isRunning()) {
                deleteTree(node.dataDir().resolve("postmaster.pid"));
            }
        }
    }

    private LocalNode newNode(String name, int port) {
        Path dir = workDir.resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OsUser.chown(dir);
        var node = new LocalNode(name, port, dir, pg, keptLog(name), portWhenTaken);
        nodes.add(node);
        return node;
    }

    /** Settings that make a node itself: later lines win over what a base backup copied from the primary. */
    private static String nodeSettings(String name, int port) {
        return """
                # this node
                port = %d
                cluster_name = '%s'
                listen_addresses = '127.0.0.1'
                unix_socket_directories = ''    # TCP only: no socket lock files left after a crash
                logging_collector = off
                """.formatted(port, name);
    }

    /**
     * What {@code pg_basebackup -R} writes, for the paths without it: standby.signal, and in
     * postgresql.auto.conf (read last, so it wins) where to stream from. application_name is what
     * synchronous_standby_names matches.
     */
    private static void followUpstream(LocalNode node, Endpoint upstream) {
        var env = Env.get();
        String settings = """
                primary_conninfo = 'host=%s port=%d user=%s password=%s application_name=%s'
                primary_slot_name = '%s'
                """.formatted(upstream.host(), upstream.port(), env.replicationUser(), env.replicationPassword(),
                node.name(), NodeRuntime.slotName(node.name()));
        try {
            Files.writeString(node.dataDir().resolve("postgresql.auto.conf"), settings,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new LabException("cannot write the configuration of " + node.name() + ": " + e.getMessage());
        }
        write(node.dataDir().resolve("standby.signal"), "");
    }

    private long pgBasebackup(LocalNode standby, Endpoint upstream, String slot, LongConsumer bytesCopied) {
        var env = Env.get();
        long[] total = {0};
        Processes.run(OsUser.asServerUser(List.of(pg.tool("pg_basebackup").toString(),
                        "-h", upstream.host(), "-p", String.valueOf(upstream.port()), "-U", env.replicationUser(),
                        "-D", standby.dataDir().toString(), "-X", "stream", "-S", slot, "-R", "-c", "fast", "-P", "-w")),
                // -R writes these into primary_conninfo: the standby's name becomes its application_name
                Map.of("PGPASSWORD", env.replicationPassword(), "PGAPPNAME", standby.name()), Duration.ofMinutes(30),
                piece -> {
                    var m = BASEBACKUP_KB.matcher(piece);
                    if (m.find()) {
                        total[0] = Long.parseLong(m.group(1)) * 1024;
                        bytesCopied.accept(total[0]);
                    }
                });
        return total[0];
    }

    private void copyConf(String file, Path target) {
        write(target, read(Env.get().root().resolve("conf").resolve(file)));
        OsUser.chown(target);
    }

    private void copyLog(LocalNode node) {
        ServerLog.keep(node.logFile(), logDir, keptLog(node.name()).getFileName().toString());
    }

    private Path keptLog(String node) {
        return logDir.resolve(node + ".log");
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new LabException("cannot read " + p + ": " + e.getMessage());
        }
    }

    static void write(Path p, String text) {
        try {
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new LabException("cannot write " + p + ": " + e.getMessage());
        }
    }

    /**
     * Removes {@code root} and everything under it, each entry of it (a node's data dir, say) on a
     * thread of its own: unlinking files waits on the disk, and a Ctrl+C teardown spent most of its
     * time here (PGLAB_TEARDOWN_TIMES), one file after the other.
     */
    static void deleteTree(Path root) {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            List<Path> entries;
            try (var list = Files.list(root)) {
                entries = list.toList();
            } catch (IOException e) {
                System.err.println("could not remove " + root + ": " + e.getMessage());
                return;
            }
            // close() waits for every removal, an interrupt (a Ctrl+C teardown) too, and passes it on after
            try (var removals = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                entries.forEach(entry -> removals.submit(() -> deleteWalk(entry)));
            }
        }
        deleteWalk(root);
    }

    private static void deleteWalk(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + root + ": " + e.getMessage());
        }
    }
}
