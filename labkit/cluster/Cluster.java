package labkit.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The lab's cluster: picks the runtime, creates nodes on stable printed ports, and owns them.
 * Closing it (at the end, after a failure, or on Ctrl+C) tears everything down unless --keep.
 */
public final class Cluster implements AutoCloseable {
    private static final int DEFAULT_PORT = 15432;

    private final ClusterOptions options;
    private final Narrator narrator;
    private final NodeRuntime runtime;
    // added to by the lab's thread, read by a Ctrl+C teardown at any moment: copy-on-write
    private final List<Node> nodes = new CopyOnWriteArrayList<>();
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final Map<String, NodeRuntime> otherMajors = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<AutoCloseable> owned = new CopyOnWriteArrayList<>();
    /** Ports handed out by {@link #nextPort} (pgpool's): the check after a teardown looks at them too. */
    private final List<Integer> toolPorts = new CopyOnWriteArrayList<>();
    /** The node each link fronts: with --keep, a standby streaming through a link streams from it directly. */
    private final java.util.Map<Link, Node> upstreamOf = new java.util.concurrent.ConcurrentHashMap<>();
    private int nextPort;
    private boolean closed;
    /** close() has begun the teardown (read by the Ctrl+C hook: see {@link #interruptedTeardown}). */
    private volatile boolean teardownBegun;

    /** The clusters of this JVM that are not torn down yet: what a Ctrl+C must take down. */
    private static final List<Cluster> OPEN = new CopyOnWriteArrayList<>();
    /** What else a Ctrl+C tears down ({@link #tornDownOnInterrupt}). */
    private static final List<Teardown> OTHERS = new CopyOnWriteArrayList<>();
    /** What the teardowns found left: see {@link #takeLeftovers}. */
    private static final List<String> LEFT = new java.util.ArrayList<>(); // guarded by itself
    private static final Thread HOOK = new Thread(Cluster::interruptedTeardown, "pglab-teardown");
    private static volatile java.util.function.BooleanSupplier beforeInterruptedTeardown = () -> false;
    private static volatile boolean interrupted;
    private static volatile boolean exiting;

    static {
        Runtime.getRuntime().addShutdownHook(HOOK);
    }

    private Cluster(ClusterOptions options, Narrator narrator, NodeRuntime runtime, int firstPort) {
        this.options = options;
        this.narrator = narrator;
        this.runtime = runtime;
        this.nextPort = firstPort;
        OPEN.add(this);
    }

    /** Picks the runtime and the ports; every state change is told to {@code narrator}. */
    public static Cluster create(ClusterOptions options, Narrator narrator) {
        int port = firstPort(options, narrator);
        NodeRuntime runtime = Runtimes.open(options, narrator);
        if (options.port() == null && runtime instanceof LocalRuntime local) {
            local.movePortsWhenTaken(taken -> {
                int free = freePort();
                narrator.result("Port " + taken + " was taken meanwhile (could not create any TCP/IP sockets); using " + free + ".");
                return free;
            });
        }
        return new Cluster(options, narrator, runtime, port);
    }

    public String runtime() {
        return runtime.kind();
    }

    /** The docker runtime's compose command (a k6 service can join the cluster), or null for local nodes. */
    public List<String> composeCommand() {
        return runtime instanceof DockerRuntime docker ? docker.composeCommand() : null;
    }

    public NodeRuntime nodeRuntime() {
        return runtime;
    }

    /** Initializes and starts a primary: replication settings from conf/, the replication role from .env. */
    public Node primary(String name) {
        narrator.event("Starting primary \"" + name + "\" on port " + nextPort);
        Node node = runtime.createPrimary(name, nextPort++);
        nodes.add(node);
        return node;
    }

    /**
     * A primary of another PostgreSQL major than the cluster's (a logical copy on a newer server,
     * a refused physical standby), on the cluster's ports and torn down with it.
     */
    public Node primary(String name, String major) {
        NodeRuntime other = otherMajors.computeIfAbsent(major, m -> runtime.ofMajor(m, narrator));
        narrator.event("Starting primary \"" + name + "\" (PostgreSQL " + major + ") on port " + nextPort);
        Node node = other.createPrimary(name, nextPort++);
        nodes.add(node);
        return node;
    }

    /**
     * A standby of {@code primary} made like any other (a copy of its files, then streaming) but
     * run by the server of another major. PostgreSQL refuses files of another major: expect a
     * LabException with its FATAL and DETAIL lines.
     */
    public NodeRuntime.BaseBackup baseBackup(Node primary, String name, String major) {
        NodeRuntime other = otherMajors.computeIfAbsent(major, m -> runtime.ofMajor(m, narrator));
        narrator.event("Copying \"" + primary.name() + "\" into \"" + name + "\", a standby run by PostgreSQL " + major);
        var backup = other.createStandby(name, nextPort++, primary, runtime.endpointSeenFromNodes(primary), bytes -> {});
        nodes.add(backup.standby());
        return backup;
    }

    /** The next port of the cluster's range, for a process beside the nodes (a proxy such as pgpool). */
    public int nextPort() {
        toolPorts.add(nextPort);
        return nextPort++;
    }

    /** Something the lab started beside the nodes (Bucardo, pgpool): closed at teardown, before the nodes. */
    public <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    /** Where the logs of the nodes (and of the tools beside them) are kept after teardown. */
    Path logDir() {
        return options.logDir();
    }

    /** Where a tool the lab starts beside the nodes runs (Bucardo, pgpool-II on {@code port}, 0 for none). */
    ToolHost toolService(String name, int port) {
        return runtime.toolService(name, port);
    }

    /** The PostgreSQL major of the cluster's own nodes. */
    public int major() {
        return runtime.major();
    }

    /** The client programs of the cluster's own major (pg_dump and pg_restore match its servers). */
    PgInstall clientTools() {
        return runtime.clientTools();
    }

    /** {@code pg_dump -Fc} of the lab database on {@code source}, with the cluster's own client programs, beside it. */
    public PgDump.Dump dump(Node source) {
        ToolHost where = runtime.toolsBeside(source, "dumps");
        String file = source.name() + "-" + System.currentTimeMillis() + ".dump";
        long started = System.nanoTime();
        long bytes = PgDump.dump(where, source, file);
        return new PgDump.Dump(where, file, bytes, (System.nanoTime() - started) / 1e9);
    }

    /** The {@code pg_dump} of {@link #dump} as a student types it (beside {@code source}, into {@code file}). */
    public String dumpCommand(Node source, String file) {
        return PgDump.dumpCommand(runtime.toolsBeside(source, "dumps"), source, file);
    }

    /** The {@code pg_restore} of {@link #restore} as a student types it, of {@code file} dumped beside {@code source}. */
    public String restoreCommand(Node source, Node target, String file) {
        return PgDump.restoreCommand(runtime.toolsBeside(source, "dumps"), target, file);
    }

    /**
     * {@code pg_restore} of {@code dump} into {@code target}'s empty lab database, leaving out what
     * {@code skip} matches; returns the seconds it took.
     */
    public double restore(PgDump.Dump dump, Node target, Predicate<String> skip) {
        long started = System.nanoTime();
        PgDump.restore(dump, target, skip);
        return (System.nanoTime() - started) / 1e9;
    }

    /**
     * Tries {@code node} as a standby of {@code primary} as it is, copying nothing
     * ({@link NodeRuntime#followAsIs}), and returns the lines of its log that say {@code refusal}
     * (waiting up to 20 s for them; empty when none came). The node is stopped and its slot on the
     * primary dropped afterwards: a refused standby is of no further use.
     */
    public List<String> followAsIs(Node node, Node primary, String refusal) {
        node.stop();
        runtime.followAsIs(node, primary, runtime.endpointSeenFromNodes(primary));
        var lines = ServerLog.waitFor(node, refusal, java.time.Duration.ofSeconds(20));
        node.stop();
        NodeRuntime.dropSlot(primary, node.name());
        return lines;
    }

    /** Takes a base backup of {@code primary} and starts it as a standby streaming from it. */
    public NodeRuntime.BaseBackup baseBackup(Node primary, String name) {
        return baseBackup(primary, name, runtime.endpointSeenFromNodes(primary));
    }

    public NodeRuntime.BaseBackup baseBackup(Node primary, String name, NodeRuntime.Endpoint upstream) {
        narrator.event("Taking a base backup of \"" + primary.name() + "\" into \"" + name + "\" (streams from " + upstream + ")");
        long[] lastShown = {0};
        var backup = runtime.createStandby(name, nextPort++, primary, upstream, bytes -> {
            long now = System.nanoTime();
            if (now - lastShown[0] > 1_000_000_000L) { // a line a second, however often the copy reports
                lastShown[0] = now;
                narrator.progress(String.format("base backup: %,d kB copied", bytes / 1024));
            }
        });
        nodes.add(backup.standby());
        narrator.event("Started standby \"" + name + "\" on port " + backup.standby().port());
        return backup;
    }

    public Node standbyFrom(Node primary, String name) {
        return baseBackup(primary, name).standby();
    }

    /** A standby that reaches its primary through {@code link}: the replication traffic crosses it. */
    public Node standbyFrom(Node primary, String name, Link link) {
        return baseBackup(primary, name, endpoint(link)).standby();
    }

    /** How the nodes reach {@code link} (a subscription's connection can cross one too). */
    public NodeRuntime.Endpoint endpoint(Link link) {
        return new NodeRuntime.Endpoint(runtime.hostSeenFromNodes(), link.port());
    }

    /** A standby and the link it streams through, which delays each packet as a far-away network would. */
    public record RemoteStandby(Node node, Link link) {}

    /** A standby streaming through a link with {@code oneWay} delay (± {@code jitter}), once it streams. */
    public RemoteStandby remoteStandby(Node primary, String name, java.time.Duration oneWay, java.time.Duration jitter) {
        Link link = link(primary);
        Node standby = standbyFrom(primary, name, link);
        waitForStreaming(primary, standby);
        link.delay(oneWay, jitter);
        return new RemoteStandby(standby, link);
    }

    /** A replication link in front of {@code primary}, owned by the cluster (closed at teardown). */
    public Link link(Node primary) {
        Link link = Link.open(runtime.bindAddressForNodes(), 0, primary.host(), primary.port());
        links.add(link);
        upstreamOf.put(link, primary);
        return link;
    }

    /**
     * Brings {@code oldPrimary} (stopped or crashed) back as a standby of {@code newPrimary}, streaming
     * through a new link with {@code oneWay} delay (± {@code jitter}): see {@link NodeRuntime#rejoinAsStandby}.
     * Returns once it streams the new primary's timeline.
     */
    public Rewind rejoinAsStandby(Node oldPrimary, Node newPrimary, java.time.Duration oneWay, java.time.Duration jitter) {
        Link link = link(newPrimary).delay(oneWay, jitter);
        var upstream = new NodeRuntime.Endpoint(runtime.hostSeenFromNodes(), link.port());
        Rewind rewind = runtime.rejoinAsStandby(oldPrimary, newPrimary, upstream);
        if (rewind.method().equals("pg_rewind")) {
            narrator.command(newPrimary.psqlCommand() + " -c \"CHECKPOINT\"    (pg_rewind reads the new timeline "
                    + "from the control file, which the promotion updates at its next checkpoint)");
        }
        narrator.command(rewind.command());
        rewind.toolLines().forEach(narrator::result);
        narrator.event("Started \"" + oldPrimary.name() + "\" as a standby of \"" + newPrimary.name() + "\" ("
                + (rewind.needed() == null ? "rebuilt from a base backup" : rewind.needed() ? "rewound" : "nothing to rewind")
                + ")");
        int timeline = TimelineHistory.of(newPrimary).timeline();
        Wait.until("\"" + oldPrimary.name() + "\" streams timeline " + timeline, oldPrimary,
                "SELECT status || ' ' || received_tli FROM pg_stat_wal_receiver", "streaming " + timeline,
                java.time.Duration.ofSeconds(60));
        waitForStreaming(newPrimary, oldPrimary);
        return rewind;
    }

    /** Waits until {@code primary} reports {@code standby} as streaming in pg_stat_replication. */
    public void waitForStreaming(Node primary, Node standby) {
        waitForReplication(primary, standby, "state", "streaming", java.time.Duration.ofSeconds(60));
    }

    /** Waits until {@code primary} reports {@code standby}'s sync_state ("sync", "async", ...) after a reload. */
    public void waitForSyncState(Node primary, Node standby, String syncState) {
        waitForReplication(primary, standby, "sync_state", syncState, java.time.Duration.ofSeconds(30));
    }

    private static void waitForReplication(Node primary, Node standby, String column, String expected,
                                           java.time.Duration timeout) {
        Wait.until("\"" + standby.name() + "\" " + column + " = " + expected + " on \"" + primary.name() + "\"", primary,
                "SELECT " + column + " FROM pg_stat_replication WHERE application_name = '" + standby.name() + "'",
                expected, timeout);
    }

    /**
     * Tears the cluster down (unless --keep). After a Ctrl+C the shutdown hook does it, and the
     * lab's thread, interrupted, leaves it to the hook: two teardowns at once would race.
     */
    @Override
    public void close() {
        if (mayBeginTeardown(() -> teardownBegun = true)) {
            teardown();
        }
    }

    /**
     * Whether the calling thread may tear something down now: not once a Ctrl+C's hook runs, which
     * does it (the lab's thread is interrupted then, and its waits would fail). {@code begun} marks
     * the teardown begun, atomically with the hook's start: either the hook sees it begun and lets
     * it end before the JVM halts, or this thread sees the hook and leaves it the teardown.
     */
    static boolean mayBeginTeardown(Runnable begun) {
        synchronized (OPEN) {
            if (interrupted && Thread.currentThread() != HOOK) {
                return false;
            }
            begun.run();
            return true;
        }
    }

    /**
     * Something a lab starts that is not a cluster's (Patroni's members and etcd): a Ctrl+C tears
     * it down in the same hook as the clusters, before the hook checks that nothing is left.
     */
    public static void tornDownOnInterrupt(Teardown teardown) {
        OTHERS.add(teardown);
    }

    /** Something the kit started that can say, after it was stopped, what of it still runs or holds a port. */
    public interface Remains {
        /** What of it still runs, holds a port or is on disk after it was stopped: empty when nothing. */
        List<String> leftovers();
    }

    /** What {@link #tornDownOnInterrupt} registers: a teardown that returns once it is done, and what it left. */
    public interface Teardown extends Remains {
        /** Once, whoever calls it first; a second caller waits until it is done. */
        void teardown();

        /** Whether a teardown has begun (on the lab's thread: the hook lets it end before it stops the lab). */
        boolean begun();
    }

    /**
     * Registers what runs first when Ctrl+C (SIGINT, SIGTERM) ends the JVM, before any cluster is
     * torn down: the notebook silences the lab, interrupts its thread and writes its summary, and
     * says whether a lab was running. Also installs the hook itself (a class initializer), so that
     * a Ctrl+C before the first cluster exists still ends with the interrupted line.
     */
    public static void beforeInterruptedTeardown(java.util.function.BooleanSupplier action) {
        beforeInterruptedTeardown = action;
    }

    /** The lab ends by itself (System.exit with its status): the hook then has nothing to say. */
    public static void exiting() {
        exiting = true;
    }

    /**
     * The JVM shutdown hook: the JVM runs it and halts when it returns, whatever the lab's own
     * thread is doing. At a signal (Ctrl+C) it stops the lab, tears down every open cluster and
     * ends with one line on stderr when it stopped something (JShell's /exit after a finished lab
     * ends the JVM the same way, with nothing to stop); a message left to the lab's thread could come after
     * the halt, and never appear.
     */
    private static void interruptedTeardown() {
        if (exiting) {
            OPEN.forEach(Cluster::teardown); // a lab closes its clusters before it exits: normally none
            return;
        }
        List<Cluster> open;
        synchronized (OPEN) {
            interrupted = true;
            open = List.copyOf(OPEN);
        }
        TeardownTimes.mark("hook started");
        // A teardown the lab's thread began before the signal came (in a terminal the same Ctrl+C
        // ends the tool it waited for, pg_basebackup or bucardo, and the lab fails at once) ends
        // first, uninterrupted: the JVM halts when this hook returns, with or without it done.
        for (Cluster cluster : open) {
            if (cluster.teardownBegun) {
                tearDown(cluster::teardown);
            }
        }
        for (Teardown other : OTHERS) {
            if (other.begun()) {
                tearDown(other::teardown);
            }
        }
        boolean stopped = !open.isEmpty() || OTHERS.stream().anyMatch(other -> !other.begun());
        try {
            stopped |= beforeInterruptedTeardown.getAsBoolean();
        } catch (RuntimeException e) {
            System.err.println("could not stop the lab: " + e);
        }
        TeardownTimes.mark("lab stopped");
        boolean kept = false;
        var left = new java.util.ArrayList<String>();
        // with any the lab's thread registered while it was being stopped (its runtime already made)
        var all = new java.util.LinkedHashSet<>(open);
        all.addAll(OPEN);
        for (Cluster cluster : all) {
            tearDown(cluster::teardown);
            kept |= cluster.options.keep();
        }
        left.addAll(takeLeftovers());
        for (Teardown other : OTHERS) {
            tearDown(other::teardown);
            left.addAll(other.leftovers());
        }
        TeardownTimes.mark("leftovers checked");
        if (stopped) {
            System.err.println(kept ? "interrupted: the lab stopped; its cluster stays up (--keep)" : interruptedLine(left));
        }
        TeardownTimes.mark("hook done");
    }

    private static void tearDown(Runnable teardown) {
        try {
            teardown.run();
        } catch (RuntimeException e) {
            System.err.println("teardown failed: " + e.getMessage());
        }
    }

    /**
     * The last line of an interrupted lab: that it removed everything only when nothing of it is
     * left ({@code left}: what a check after the teardown found), else what is left.
     */
    public static String interruptedLine(List<String> left) {
        return left.isEmpty() ? "interrupted: the lab stopped and removed everything it had started"
                : "interrupted: the lab stopped, but these are left: " + String.join("; ", left);
    }

    /**
     * What the teardowns since the last call found left behind (processes, ports, work dirs,
     * containers): empty when nothing. JShell runs one lab after another in one JVM: each asks for its own.
     */
    public static List<String> takeLeftovers() {
        synchronized (LEFT) {
            var left = List.copyOf(LEFT);
            LEFT.clear();
            return left;
        }
    }

    /** What of this cluster still runs, holds its ports or is on disk: empty when its teardown removed everything. */
    private List<String> leftovers() {
        var left = new java.util.ArrayList<String>();
        for (NodeRuntime r : allRuntimes()) {
            left.addAll(r.leftovers());
        }
        for (AutoCloseable resource : owned) {
            if (resource instanceof Remains remains) {
                left.addAll(remains.leftovers());
            }
        }
        for (Node node : nodes) {
            if (!portFree(node.port())) {
                left.add("port " + node.port() + " (" + node.name() + ") still taken");
            }
        }
        for (int port : toolPorts) {
            if (!portFree(port)) {
                left.add("port " + port + " (a tool beside the nodes) still taken");
            }
        }
        for (Link link : links) {
            if (!portFree(link.port())) {
                left.add("port " + link.port() + " (a replication link) still taken");
            }
        }
        return left;
    }

    /** Waits up to {@code timeout} for a Ctrl+C's shutdown hook to begin; returns whether it has. */
    static boolean awaitInterrupt(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!interrupted && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return interrupted;
    }

    /** True once the JVM is shutting down under the lab (Ctrl+C, SIGTERM): what fails then is a consequence. */
    public static boolean interrupted() {
        return interrupted;
    }

    /**
     * Runs once, from close() or from the shutdown hook (Ctrl+C), whichever comes first; the other
     * waits on the lock until it is done.
     */
    private synchronized void teardown() {
        if (closed) {
            return;
        }
        closed = true;
        // A lab interrupted in JShell (Ctrl+C interrupts the snippet's thread) closes the cluster with
        // its interrupt flag set: every wait of the teardown would then fail at once and leave nodes
        // behind. The teardown runs uninterrupted, and the flag is set again after it.
        boolean wasInterrupted = Thread.interrupted();
        try {
            if (options.keep()) {
                keepRunning();
                return;
            }
            narrator.event("Tearing down the cluster (" + runtime.kind() + ")");
            for (AutoCloseable resource : owned.reversed()) {
                try {
                    resource.close();
                } catch (Exception e) {
                    System.err.println("could not stop " + resource + ": " + e.getMessage());
                }
            }
            TeardownTimes.mark("owned closed");
            links.forEach(Link::close);
            TeardownTimes.mark("links closed");
            otherMajors.values().forEach(NodeRuntime::close);
            runtime.close();
            synchronized (LEFT) {
                LEFT.addAll(leftovers());
            }
        } finally {
            // off the open list only once it is down: a Ctrl+C meanwhile still finds it, and waits
            OPEN.remove(this);
            if (wasInterrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void keepRunning() {
        streamDirectly();
        for (NodeRuntime r : allRuntimes()) {
            if (r instanceof LocalRuntime local) {
                local.keep();
            } else if (r instanceof DockerRuntime docker) {
                docker.keep();
            }
        }
        narrator.result("The cluster stays up (--keep). Connect with:");
        var kept = new java.util.ArrayList<KeptNode>();
        for (Node n : nodes.stream().filter(Node::isRunning).toList()) {
            KeptNode state = KeptNode.of(n);
            kept.add(state);
            narrator.result("  " + n.name() + " (" + state.describe() + "): " + n.psqlCommand()
                    + "    (JDBC: " + n.jdbcUrl(Env.get().database()) + ")");
        }
        narrator.kept(kept);
        owned.forEach(resource -> narrator.result("  " + resource + " stays up too"));
        narrator.result("Tear it down with:\n  " + String.join(" && ", allRuntimes().stream().map(NodeRuntime::teardownHint).toList()));
    }

    private List<NodeRuntime> allRuntimes() {
        var all = new java.util.ArrayList<>(List.of(runtime));
        all.addAll(otherMajors.values());
        return all;
    }

    /**
     * --keep: the links are relays inside the lab's JVM and end with it. Each standby that streams
     * through one is pointed at the node behind it directly (ALTER SYSTEM primary_conninfo; a reload
     * is enough from PostgreSQL 13, older ones restart), and the lab waits until it streams again.
     */
    private void streamDirectly() {
        boolean changed = false;
        for (var entry : upstreamOf.entrySet()) {
            Node upstream = entry.getValue();
            if (!upstream.isRunning()) {
                continue;
            }
            NodeRuntime.Endpoint direct = runtime.endpointSeenFromNodes(upstream);
            for (Node standby : nodes) {
                if (standby == upstream || !standby.isRunning() || !standby.inRecovery()) {
                    continue;
                }
                String conninfo = Sql.scalar(standby, "SHOW primary_conninfo");
                if (!conninfo.matches("(.*\\s)?port=" + entry.getKey().port() + "(\\s.*)?")) {
                    continue;
                }
                String toUpstream = conninfo.replaceAll("host=\\S+", "host=" + direct.host())
                        .replaceAll("port=\\d+", "port=" + direct.port());
                String sql = standby.alterSystem("primary_conninfo", "'" + toUpstream.replace("'", "''") + "'");
                narrator.command(standby.psqlCommand() + " -c \"" + sql.replace("\"", "\\\"") + "\"");
                if (Integer.parseInt(Sql.scalar(standby, "SHOW server_version_num")) < 130000) {
                    standby.restart();
                }
                Wait.until("\"" + standby.name() + "\" streams from " + direct, standby,
                        "SELECT status || ' ' || sender_port FROM pg_stat_wal_receiver", "streaming " + direct.port(),
                        java.time.Duration.ofSeconds(60));
                narrator.event("\"" + standby.name() + "\" streams from \"" + upstream.name() + "\" directly");
                changed = true;
            }
        }
        if (changed) {
            narrator.result("The replication links and their delay end with the lab: the kept standbys stream directly.");
        }
    }

    /**
     * 15432 and up when free; an explicit --port must be free, the default falls back to free ports.
     * Each is claimed for this run ({@link PortClaims}), so that labs started together never pick the same.
     */
    private static int firstPort(ClusterOptions options, Narrator narrator) {
        Integer requested = options.port();
        int port = requested != null ? requested : DEFAULT_PORT;
        if (claimPair(port)) {
            return port;
        }
        if (requested != null) {
            throw new LabException("port " + port + " or " + (port + 1) + " on 127.0.0.1 is in use: pick others with "
                    + "--port, or stop what holds them");
        }
        int free = freePortPair();
        narrator.result("Ports " + port + "/" + (port + 1) + " are taken; using " + free + "/" + (free + 1) + ".");
        return free;
    }

    private static boolean claimPair(int port) {
        return port < 65535 && PortClaims.claim(port) && PortClaims.claim(port + 1);
    }

    /** Whether nothing listens on {@code port} of 127.0.0.1 (the tests check that a lab let its ports go). */
    public static boolean portFree(int port) {
        try (var s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        return freePort(PortClaims::claim, "a free port");
    }

    private static int freePortPair() {
        return freePort(Cluster::claimPair, "two free ports in a row");
    }

    /** A port the OS offers as free that {@code claim} takes for this run (with the next one, for a pair). */
    private static int freePort(java.util.function.IntPredicate claim, String what) {
        for (int tries = 0; tries < 50; tries++) {
            int p;
            try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                p = s.getLocalPort();
            } catch (IOException e) {
                throw new LabException("cannot find a free port on 127.0.0.1: " + e.getMessage());
            }
            if (claim.test(p)) {
                return p;
            }
        }
        throw new LabException("cannot find " + what + " on 127.0.0.1");
    }
}
