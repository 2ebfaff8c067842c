//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster managed by Patroni: one etcd member and Patroni members, each running one PostgreSQL
 * server, as processes of this machine ({@link LocalPatroni}) or containers of compose.ha.yaml
 * ({@link DockerPatroni}). Every member's {@code connect_address} is a {@link Link} in front of
 * its server, so everything the other members send it (WAL streaming, base backups, pg_rewind)
 * crosses the link: the link is the node's network, which a zone failure cuts. Clients reach the
 * servers directly. Closing the cluster removes everything it started and keeps the logs, unless
 * {@link #keep}.
 *
 * <p>Ports, in a block from {@code base}: server i on base+i, its link on base+10+i, its REST API
 * on base+20+i, etcd's client and peer ports on base+30 and base+31.
 */
public abstract class Patroni implements AutoCloseable {
    public static final int PORTS = 32;
    private static final int MAX_MEMBERS = 10;
    private static final Duration STREAMING_TIMEOUT = Duration.ofSeconds(120);

    private final String scope;
    private final int base;
    private final PatroniConfig.Timing timing;
    final Narrator narrator;
    // added to by the lab's thread, read by a Ctrl+C teardown at any moment
    private final Map<String, PatroniNode> members = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, Link> links = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    volatile Etcd etcd;
    private boolean keep;
    private boolean closed;
    private volatile boolean teardownBegun;

    Patroni(String scope, int base, PatroniConfig.Timing timing, Narrator narrator) {
        this.scope = scope;
        this.base = base;
        this.timing = timing;
        this.narrator = narrator;
        // the one Ctrl+C teardown (Cluster's hook) takes it down with any cluster, then checks what is left
        Cluster.tornDownOnInterrupt(new Cluster.Teardown() {
            @Override public void teardown() { Patroni.this.teardown(); }
            @Override public boolean begun() { return teardownBegun; }
            @Override public List<String> leftovers() { return Patroni.this.leftovers(); }
        });
    }

    /** "local" or "docker", as written to summary.json. */
    public abstract String runtime();

    /** Creates member number {@code index} (not started) whose others reach it through {@code linkPort}. */
    abstract PatroniNode create(String name, Map<String, String> tags, int index);

    /** The address the links listen on: where the members reach this machine. */
    abstract String linkBindAddress();

    /** How a student starts the same etcd. */
    public abstract String etcdCommand();

    /** How to tear down what {@link #keep} left running. */
    abstract String teardownHint();

    /** Removes every process or container, and the data. */
    abstract void destroy();

    /** After {@link #destroy}: the work dir or containers still there, one line each. */
    abstract List<String> leftOnDisk();

    /** What of the cluster still runs, holds one of its ports or is on disk: empty once it is all gone (or kept). */
    List<String> leftovers() {
        if (keep || !closed) {
            return List.of();
        }
        var left = new ArrayList<>(leftOnDisk());
        for (int port = base; port < base + PORTS; port++) {
            if (!Cluster.portFree(port)) {
                left.add("port " + port + " of the Patroni cluster still taken");
            }
        }
        return left;
    }

    /** Copies the members' PostgreSQL and Patroni logs, and etcd's, to the lab's log folder. */
    abstract void saveLogs();

    int pgPort(int index) { return base + index; }

    int linkPort(int index) { return base + 10 + index; }

    int restPort(int index) { return base + 20 + index; }

    int etcdPort() { return base + 30; }

    public Etcd etcd() { return etcd; }

    public String scope() { return scope; }

    public PatroniConfig.Timing timing() { return timing; }

    /** The etcd key that says who leads, with a lease of ttl seconds that the leader renews every loop. */
    public String leaderKey() {
        return "/service/" + scope + "/leader";
    }

    /** Who holds the leader key now, as etcd says; empty while nobody does. */
    public Optional<String> leaderInEtcd() {
        return etcd.value(leaderKey());
    }

    /**
     * Creates and starts a member; returns once its server accepts connections. The first one
     * bootstraps the cluster (initdb) and leads, and the kit creates the lab's database in it; the
     * next ones take a base backup from the leader (or from the member named in their
     * {@code replicatefrom} tag) and follow.
     */
    public PatroniNode start(String name, Map<String, String> tags) {
        int index = members.size();
        if (index >= MAX_MEMBERS) {
            throw new LabException("a Patroni cluster of the kit has at most " + MAX_MEMBERS + " members");
        }
        var node = create(name, tags, index);
        members.put(name, node);
        narrator.event("Starting Patroni member \"" + name + "\" (PostgreSQL on port " + node.port() + ", REST API on "
                + restPort(index) + ", reached by the others through its link on " + node.connectPort() + ")");
        node.start();
        if (index == 0) {
            Sql.execIn(node, "postgres", "CREATE DATABASE " + Env.get().database());
        }
        Ports.requireFree("the replication link of " + name, linkPort(index));
        links.put(name, Link.open(linkBindAddress(), linkPort(index), "127.0.0.1", node.port()));
        return node;
    }

    public PatroniNode node(String name) {
        var node = members.get(name);
        if (node == null) {
            throw new LabException("no Patroni member named " + name);
        }
        return node;
    }

    public List<PatroniNode> members() {
        synchronized (members) {
            return List.copyOf(members.values());
        }
    }

    /** The link in front of a member's server: what the others send it crosses it. */
    public Link link(String name) {
        return links.get(name);
    }

    /**
     * The member {@code node} streams WAL from, by the port its WAL receiver is connected to (a
     * member's link, or its server); empty while it does not stream.
     */
    public Optional<String> upstreamOf(PatroniNode node) {
        try {
            var receiver = Sql.query(node, "SELECT status, sender_port FROM pg_stat_wal_receiver");
            if (receiver.rowCount() != 1 || !receiver.stringColumn("status").get(0).equals("streaming")) {
                return Optional.empty();
            }
            long port = receiver.longColumn("sender_port").getLong(0);
            return members.values().stream().filter(m -> m.connectPort() == port || m.port() == port)
                    .map(PatroniNode::name).findFirst();
        } catch (LabException e) {
            return Optional.empty(); // restarting, or its WAL receiver is between two connections
        }
    }

    /**
     * Waits until {@code upstream}'s pg_stat_replication shows {@code standby} streaming. On timeout
     * the error adds what the standby's Patroni and server said last (e.g. a WAL receiver refused
     * because its timeline diverged and nothing rewound it).
     */
    public void awaitStreaming(PatroniNode upstream, PatroniNode standby) {
        try {
            Wait.until("\"" + standby.name() + "\" streams from \"" + upstream.name() + "\"", upstream,
                    "SELECT state FROM pg_stat_replication WHERE application_name = '" + standby.name() + "'", "streaming",
                    STREAMING_TIMEOUT);
        } catch (LabException e) {
            String serverSaid = standby.logTail(50).stream().filter(l -> l.contains("FATAL") || l.contains("ERROR"))
                    .reduce((a, b) -> b).orElse("no error in its log");
            throw new LabException(e.getMessage() + "; its Patroni: " + standby.lastPatroniLine() + "; its server: "
                    + serverSaid, e);
        }
    }

    /** A member whose Patroni runs, to ask about the whole cluster. */
    public PatroniNode anyRunning() {
        return members.values().stream().filter(PatroniNode::patroniAlive).findFirst()
                .orElseThrow(() -> new LabException("no Patroni member is running"));
    }

    /** The members as Patroni's REST API lists them (/cluster). */
    public JsonNode clusterView() {
        return anyRunning().rest().cluster();
    }

    /** The members as /cluster lists them, one short line each (name, role, state, port, timeline). */
    public String clusterLines() {
        var lines = new ArrayList<String>();
        for (JsonNode m : clusterView().path("members")) {
            lines.add(String.format(Locale.ROOT, "{\"name\": \"%s\", \"role\": \"%s\", \"state\": \"%s\", \"port\": %d, "
                    + "\"timeline\": %s}", m.path("name").asText(), m.path("role").asText(), m.path("state").asText(),
                    m.path("port").asInt(), m.path("timeline").asText("-")));
        }
        return String.join("\n", lines);
    }

    /** {@code patronictl list}: the table of members, roles, states, timelines, lag. */
    public String list() {
        return anyRunning().list();
    }

    /** Merges {@code patch} into the cluster-wide settings in etcd (what patronictl edit-config does). */
    public JsonNode configure(JsonNode patch) {
        return anyRunning().rest().patchConfig(patch);
    }

    /**
     * --keep: everything stays up and the logs are saved now. The links live in this JVM and end
     * with it, so the members are told to reach each other directly first. Returns how to tear down.
     */
    public String keep() {
        keep = true;
        members.values().stream().filter(PatroniNode::patroniAlive).forEach(PatroniNode::connectDirectly);
        saveLogs();
        return teardownHint();
    }

    @Override
    public void close() {
        if (Cluster.mayBeginTeardown(() -> teardownBegun = true)) {
            teardown();
        }
    }

    /** Once, from close() or the shutdown hook (Ctrl+C). */
    private synchronized void teardown() {
        if (closed) {
            return;
        }
        closed = true;
        if (keep) {
            return;
        }
        saveLogs();
        TeardownTimes.mark("Patroni's logs kept");
        synchronized (links) {
            links.values().forEach(Link::close);
        }
        destroy();
        TeardownTimes.mark("Patroni's members and etcd removed");
    }
}
