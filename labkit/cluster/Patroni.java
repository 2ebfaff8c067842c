//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster managed by Patroni on this machine: one etcd member and Patroni members, each
 * running one PostgreSQL server. Every member's {@code connect_address} is a {@link Link} in
 * front of its server, so everything the other members send it (WAL streaming, base backups,
 * pg_rewind) crosses the link: the link is the node's network, which a zone failure cuts.
 * Clients reach the servers directly. Closing the cluster kills everything it started (Patroni,
 * PostgreSQL, etcd, links) and keeps the logs, unless {@code keep}.
 *
 * <p>Ports, in a block from {@code base}: server i on base+i, its link on base+10+i, its REST API
 * on base+20+i, etcd's client and peer ports on base+30 and base+31.
 */
public final class Patroni implements AutoCloseable {
    public static final int PORTS = 32;
    /** Debian's packages for the programs; Patroni 3.0 and etcd 3.4 on bookworm. */
    public static final Map<String, String> PROGRAMS = programs();

    private static Map<String, String> programs() {
        var programs = new LinkedHashMap<String, String>(); // in the order the error line names them
        programs.put("patroni", "patroni");
        programs.put("patronictl", "patroni");
        programs.put("etcd", "etcd-server");
        return java.util.Collections.unmodifiableMap(programs);
    }

    private final String scope;
    private final PgInstall pg;
    private final int base;
    private final PatroniConfig.Timing timing;
    private final Narrator narrator;
    private final Path workDir;
    private final Path logDir;
    private final Map<String, PatroniNode> members = new LinkedHashMap<>();
    private final Map<String, Link> links = new LinkedHashMap<>();
    private final Thread shutdownHook = new Thread(this::teardown, "pglab-patroni-teardown");
    private Etcd etcd;
    private boolean keep;
    private boolean closed;

    private Patroni(String scope, PgInstall pg, int base, PatroniConfig.Timing timing, Narrator narrator, Path logDir) {
        this.scope = scope;
        this.pg = pg;
        this.base = base;
        this.timing = timing;
        this.narrator = narrator;
        this.logDir = logDir;
        try {
            this.workDir = Files.createTempDirectory("pglab-patroni-");
        } catch (IOException e) {
            throw new LabException("cannot create a work dir: " + e.getMessage());
        }
        OsUser.chown(workDir);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Checks that Patroni, patronictl and etcd are installed (one line naming what is missing) and
     * that PostgreSQL has the programs Patroni runs, then starts etcd.
     */
    public static Patroni start(String scope, PgInstall pg, int base, PatroniConfig.Timing timing, Narrator narrator,
                                Path logDir) {
        requireInstalled();
        for (String program : List.of("initdb", "pg_ctl", "pg_basebackup", "pg_rewind", "pg_controldata")) {
            pg.tool(program);
        }
        var cluster = new Patroni(scope, pg, base, timing, narrator, logDir);
        try {
            cluster.startEtcd();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** One line naming whatever of Patroni, patronictl and etcd is not installed, and the packages that bring them. */
    public static void requireInstalled() {
        Tools.requireAll("the local runtime of this lab", PROGRAMS, null);
    }

    private void startEtcd() {
        int client = base + 30;
        narrator.event("Starting etcd (one member) on port " + client);
        etcd = Etcd.start(workDir.resolve("etcd"), client, client + 1, workDir.resolve("etcd").resolve("etcd.log"));
    }

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
     * A member, written but not started: the first member started bootstraps the cluster (initdb)
     * and leads; the next ones take a base backup from the leader (or from the member named in
     * their {@code replicatefrom} tag) and follow.
     */
    public PatroniNode member(String name, Map<String, String> tags) {
        int i = members.size();
        if (i >= 10) {
            throw new LabException("a Patroni cluster of the kit has at most 10 members");
        }
        Path nodeDir = workDir.resolve(name);
        try {
            Files.createDirectories(nodeDir);
        } catch (IOException e) {
            throw new LabException("cannot create " + nodeDir + ": " + e.getMessage());
        }
        int pgPort = base + i;
        Ports.requireFree("the replication link of " + name, base + 10 + i);
        Link link = Link.open("127.0.0.1", base + 10 + i, "127.0.0.1", pgPort);
        links.put(name, link);
        var config = new PatroniConfig(scope, name, pgPort, link.port(), base + 20 + i, etcd.endpoint(), nodeDir,
                pg.binDir(), timing, tags);
        config.write(Env.get().root().resolve("conf"));
        var node = new PatroniNode(config);
        members.put(name, node);
        return node;
    }

    /**
     * Creates and starts a member; returns once its server accepts connections. The first one
     * bootstraps the cluster, and the kit then creates the lab's database in it.
     */
    public PatroniNode start(String name, Map<String, String> tags) {
        boolean bootstraps = members.isEmpty();
        var node = member(name, tags);
        narrator.event("Starting Patroni member \"" + name + "\" (PostgreSQL on port " + node.port() + ", REST API on "
                + node.config().restPort() + ", reached by the others through its link on " + node.config().connectPort() + ")");
        node.start();
        if (bootstraps) {
            Sql.execIn(node, "postgres", "CREATE DATABASE " + Env.get().database());
        }
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
        return List.copyOf(members.values());
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
            return members.values().stream().filter(m -> m.config().connectPort() == port || m.port() == port)
                    .map(PatroniNode::name).findFirst();
        } catch (LabException e) {
            return Optional.empty(); // restarting, or its WAL receiver is between two connections
        }
    }

    /** The members as Patroni's REST API of any running member lists them. */
    public JsonNode clusterView() {
        LabException last = null;
        for (PatroniNode node : members.values()) {
            if (node.patroniAlive()) {
                try {
                    return node.rest().cluster();
                } catch (LabException e) {
                    last = e;
                }
            }
        }
        throw last != null ? last : new LabException("no Patroni member is running");
    }

    /** {@code patronictl list}, as a student runs it: the table of members, roles, states, timelines, lag. */
    public String list() {
        PatroniNode any = members.values().stream().filter(PatroniNode::patroniAlive).findFirst()
                .orElseThrow(() -> new LabException("no Patroni member is running"));
        return Processes.run(listCommand(any), Map.of(), Duration.ofSeconds(30));
    }

    public List<String> listCommand(PatroniNode via) {
        return OsUser.asServerUser(List.of(Tools.require("patronictl").toString(), "-c", via.config().file().toString(),
                "list"));
    }

    /** Merges {@code patch} into the cluster-wide settings in etcd (what patronictl edit-config does). */
    public JsonNode configure(JsonNode patch) {
        PatroniNode any = members.values().stream().filter(PatroniNode::patroniAlive).findFirst()
                .orElseThrow(() -> new LabException("no Patroni member is running"));
        return any.rest().patchConfig(patch);
    }

    /**
     * --keep: everything stays up; the logs are saved now. The links live in this JVM and end
     * with it, so the members are told to reach each other directly first. Returns how to tear
     * down: Patroni first (each stops its PostgreSQL), etcd last, then the work dir.
     */
    public String keep() {
        keep = true;
        members.values().stream().filter(PatroniNode::patroniAlive).forEach(PatroniNode::connectDirectly);
        saveLogs();
        var pids = new ArrayList<String>();
        members.values().stream().filter(PatroniNode::patroniAlive).forEach(m -> pids.add(String.valueOf(m.patroniPid())));
        return "kill " + String.join(" ", pids) + "    (Patroni: each stops its PostgreSQL)\n  kill "
                + etcd.process().pid() + "    (etcd)\n  rm -rf " + workDir;
    }

    @Override
    public void close() {
        teardown();
    }

    /**
     * Once, from close() or the shutdown hook (Ctrl+C). A crash-stop of everything: nothing here
     * needs a clean shutdown, and a leader stopped cleanly would hand its key to a replica first.
     */
    private synchronized void teardown() {
        if (closed) {
            return;
        }
        closed = true;
        if (keep) {
            return;
        }
        for (PatroniNode node : members.values()) {
            try {
                node.kill();
            } catch (RuntimeException e) {
                System.err.println("could not stop " + node.name() + ": " + e.getMessage());
            }
        }
        links.values().forEach(Link::close);
        if (etcd != null) {
            etcd.close();
        }
        saveLogs();
        LocalRuntime.deleteTree(workDir);
    }

    private void saveLogs() {
        try {
            Files.createDirectories(logDir);
            for (PatroniNode node : members.values()) {
                copy(node.postgresLog(), logDir.resolve(node.name() + ".log"));
                copy(node.config().patroniLog(), logDir.resolve(node.name() + ".patroni.log"));
            }
            if (etcd != null) {
                copy(etcd.process().log(), logDir.resolve("etcd.log"));
            }
        } catch (IOException e) {
            System.err.println("could not keep the logs in " + logDir + ": " + e.getMessage());
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        if (Files.exists(from)) {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
