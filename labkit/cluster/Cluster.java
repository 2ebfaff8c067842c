package labkit.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
    private final Thread shutdownHook = new Thread(this::interruptedTeardown, "pglab-teardown");
    private int nextPort;
    private boolean closed;
    private static volatile boolean interrupted;

    private Cluster(ClusterOptions options, Narrator narrator, NodeRuntime runtime, int firstPort) {
        this.options = options;
        this.narrator = narrator;
        this.runtime = runtime;
        this.nextPort = firstPort;
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Picks the runtime and the ports; every state change is told to {@code narrator}. */
    public static Cluster create(ClusterOptions options, Narrator narrator) {
        int port = firstPort(options, narrator);
        return new Cluster(options, narrator, Runtimes.open(options, narrator), port);
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

    @Override
    public void close() {
        teardown();
    }

    /**
     * Ctrl+C (SIGINT, SIGTERM): the JVM runs this hook and halts when it returns, whatever the
     * lab's own thread is doing. So the hook itself says what happened, once the cluster is down:
     * a message left to the lab's thread could come after the halt, and never appear.
     */
    private void interruptedTeardown() {
        interrupted = true;
        if (teardown()) {
            System.err.println(options.keep() ? "interrupted: the lab stopped; its cluster stays up (--keep)"
                    : "interrupted: the lab stopped and removed everything it had started");
        }
    }

    /** True once the JVM is shutting down under the lab (Ctrl+C, SIGTERM): what fails then is a consequence. */
    public static boolean interrupted() {
        return interrupted;
    }

    /**
     * Runs once, from close() or from the shutdown hook (Ctrl+C), whichever comes first; the other
     * waits on the lock until it is done. The hook stays registered: removing it in close() could
     * race a Ctrl+C, and the JVM would then halt in the middle of the teardown. Returns whether
     * this call did it (the hook runs at every exit; after close() it has nothing to do).
     */
    private synchronized boolean teardown() {
        if (closed) {
            return false;
        }
        closed = true;
        // A lab interrupted in JShell (Ctrl+C interrupts the snippet's thread) closes the cluster with
        // its interrupt flag set: every wait of the teardown would then fail at once and leave nodes
        // behind. The teardown runs uninterrupted, and the flag is set again after it.
        boolean wasInterrupted = Thread.interrupted();
        try {
            if (options.keep()) {
                keepRunning();
                return true;
            }
            narrator.event("Tearing down the cluster (" + runtime.kind() + ")");
            links.forEach(Link::close);
            runtime.close();
            return true;
        } finally {
            if (wasInterrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void keepRunning() {
        if (runtime instanceof LocalRuntime local) {
            local.keep();
        } else if (runtime instanceof DockerRuntime docker) {
            docker.keep();
        }
        narrator.result("The cluster stays up (--keep). Connect with:");
        for (Node n : nodes) {
            narrator.result("  " + n.name() + ": " + n.psqlCommand() + "    (JDBC: " + n.jdbcUrl(Env.get().database()) + ")");
        }
        narrator.result("Tear it down with:\n  " + runtime.teardownHint());
    }

    /** 15432 and up when free; an explicit --port must be free, the default falls back to free ports. */
    private static int firstPort(ClusterOptions options, Narrator narrator) {
        Integer requested = options.port();
        int port = requested != null ? requested : DEFAULT_PORT;
        if (portFree(port) && portFree(port + 1)) {
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

    /** Whether nothing listens on {@code port} of 127.0.0.1 (the tests check that a lab let its ports go). */
    public static boolean portFree(int port) {
        try (var s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePortPair() {
        for (int tries = 0; tries < 50; tries++) {
            try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int p = s.getLocalPort();
                if (p < 65535 && portFree(p + 1)) {
                    return p;
                }
            } catch (IOException e) {
                throw new LabException("cannot find a free port on 127.0.0.1: " + e.getMessage());
            }
        }
        throw new LabException("cannot find two free ports in a row on 127.0.0.1");
    }
}
