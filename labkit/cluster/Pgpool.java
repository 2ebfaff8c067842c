package labkit.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * pgpool-II in native replication mode: clients connect to it as to a PostgreSQL server, and it
 * sends every writing statement to each backend (statement-based replication). It is a
 * {@link Node} for the kit's clients (a workload can write through it), not a server: it has
 * nothing to promote.
 *
 * <p>Facts that shape this class (pgpool-II 4.3): against SCRAM backends it must know the
 * password (pool_passwd, here in its "TEXT" form); with {@code log_per_node_statement} its log
 * shows each statement as sent to each backend, after its rewriting of now(); a left-over
 * pgpool_status would mark backends down at the next start.
 */
public final class Pgpool implements Node, AutoCloseable, Cluster.Remains {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern STATEMENT = Pattern.compile("DB node id: (\\d+) backend pid: \\d+ statement: (.*)");

    private final String name;
    private final int port;
    private final ToolHost tools;
    private final List<NodeRuntime.Endpoint> backends;
    private final int clients;
    private final Path logDir;
    /** pgpool's main process, once started. */
    private volatile long pid; // set by the lab's thread, read by a Ctrl+C teardown

    /** One statement as pgpool sent it to backend {@code node} (0 is the main node). */
    public record Statement(int node, String sql) {}

    private Pgpool(String name, int port, ToolHost tools, List<NodeRuntime.Endpoint> backends, int clients, Path logDir) {
        this.name = name;
        this.port = port;
        this.tools = tools;
        this.backends = List.copyOf(backends);
        this.clients = clients;
        this.logDir = logDir;
    }

    /** The program on this machine, or empty when pgpool-II is not installed (Debian: /usr/sbin/pgpool, off a user's PATH). */
    public static Optional<Path> program() {
        return OsUser.which("pgpool").or(() -> Optional.of(Path.of("/usr/sbin/pgpool")).filter(Files::isExecutable));
    }

    /**
     * Configures and starts pgpool on the cluster's next port in front of {@code backends} (the
     * first is the main node; as the tool's folder reaches them), for up to {@code clients}
     * concurrent client connections. It runs in the cluster's tool folder {@code name} (in compose:
     * the service of that name, its port published). Returns once a client can connect through it;
     * the cluster stops it at teardown.
     */
    public static Pgpool start(Cluster cluster, String name, List<NodeRuntime.Endpoint> backends, int clients) {
        int port = cluster.nextPort();
        var pgpool = cluster.own(new Pgpool(name, port, cluster.toolService(name, port), backends, clients, cluster.logDir()));
        pgpool.configure();
        try {
            pgpool.start();
        } catch (LabException e) {
            pgpool.kill(); // a pgpool nobody can log in to is of no use to anyone
            throw e;
        }
        return pgpool;
    }

    @Override public String name() { return name; }
    @Override public String host() { return "127.0.0.1"; }
    @Override public int port() { return port; }
    @Override public String runtime() { return tools.kind(); }

    /** Its log, as pgpool sees it. */
    public String log() {
        return tools.path("pgpool.log");
    }

    @Override
    public void start() {
        tools.delete("pgpool_status"); // else backends it saw down stay down
        pid = tools.startInBackground(List.of(tools.program("pgpool"), "-n", "-f", conf(), "-F", tools.path("pcp.conf"),
                "-a", tools.path("pool_hba.conf")), "pgpool.log");
        waitUntilAccepting();
    }

    /** {@code pgpool -m fast stop}; what is left after 15 s is killed. */
    @Override
    public void stop() {
        if (!isRunning()) {
            return;
        }
        if (Cluster.interrupted()) {
            kill(); // Ctrl+C: nothing is kept, and a fast stop waits for pgpool's children
            return;
        }
        try {
            tools.run(Map.of(), Duration.ofSeconds(20), List.of(tools.program("pgpool"), "-f", conf(), "-m", "fast", "stop"));
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (tools.alive(pid) && System.nanoTime() < deadline) {
                Wait.sleep(Duration.ofMillis(50));
            }
        } catch (LabException e) {
            // it did not answer: killed below
        }
        kill();
    }

    /** SIGKILL to pgpool and all its children. */
    @Override
    public void kill() {
        if (pid != 0) {
            tools.killTree(pid);
        }
    }

    /** pgpool, if it still runs after {@link #stop} (local: in Docker it ends with its container). */
    @Override
    public List<String> leftovers() {
        return tools.kind().equals("local") && isRunning() ? List.of(name + " (pgpool-II, PID " + pid + ") still runs") : List.of();
    }

    /** Stops pgpool and keeps its log with the nodes' (out/&lt;lab&gt;/logs/NAME.log). */
    @Override
    public void close() {
        stop();
        tools.keep("pgpool.log", logDir, name + ".log");
    }

    /** Its name and how to stop it by hand (printed after --keep). */
    @Override
    public String toString() {
        return "pgpool-II \"" + name + "\" on port " + port + " (stop: "
                + tools.commandLine(List.of(tools.program("pgpool"), "-f", conf(), "-m", "fast", "stop")) + ")";
    }

    @Override
    public void promote() {
        throw new LabException(name + " is pgpool-II, a proxy: there is no server to promote");
    }

    /** Lines for pgpool.conf; they take effect on {@link #reload()} (most) or a restart. */
    @Override
    public void appendConf(String lines) {
        tools.write("pgpool.conf", String.join("\n", tools.read("pgpool.conf")) + "\n" + lines.strip() + "\n", false);
    }

    /** {@code pgpool reload}: pgpool reads its configuration again. */
    @Override
    public void reload() {
        tools.run(Map.of(), Duration.ofSeconds(20), List.of(tools.program("pgpool"), "-f", conf(), "reload"));
    }

    @Override
    public boolean isRunning() {
        return pid != 0 && tools.alive(pid);
    }

    @Override
    public List<String> logTail(int lines) {
        List<String> all = tools.read("pgpool.log");
        return all.subList(Math.max(0, all.size() - lines), all.size());
    }

    @Override
    public String psqlCommand() {
        return LocalNode.psql(port);
    }

    /** The statements pgpool sent to its backends that contain {@code text}, oldest first, from its log. */
    public List<Statement> statementsContaining(String text) {
        return statements(logTail(Integer.MAX_VALUE), text);
    }

    /** The "DB node id: N backend pid: P statement: SQL" lines of {@code logLines} whose SQL contains {@code text}. */
    static List<Statement> statements(List<String> logLines, String text) {
        var found = new ArrayList<Statement>();
        for (String line : logLines) {
            Matcher m = STATEMENT.matcher(line);
            if (m.find() && m.group(2).contains(text)) {
                found.add(new Statement(Integer.parseInt(m.group(1)), m.group(2).strip()));
            }
        }
        return found;
    }

    private String conf() {
        return tools.path("pgpool.conf");
    }

    private void configure() {
        var env = Env.get();
        String dir = tools.dir();
        var conf = new StringBuilder("""
                # written by the kit: statement-based replication to every backend
                backend_clustering_mode = 'native_replication'
                listen_addresses = '%s'
                port = %d
                unix_socket_directories = '%s'
                pcp_listen_addresses = ''           # PCP on the socket only: no TCP port to find
                pcp_socket_dir = '%s'
                pid_file_name = '%s'
                logdir = '%s'
                num_init_children = %d              # one pgpool process per concurrent client
                max_pool = 1
                enable_pool_hba = off
                pool_passwd = '%s'
                load_balance_mode = off             # reads too go to the main node: the lab compares the nodes itself
                insert_lock = on                    # an insert into a table with a serial column locks it on the main node first
                replication_stop_on_mismatch = off
                failover_on_backend_error = off     # a backend's error is reported to the client, not a failover
                health_check_period = 0
                sr_check_period = 0
                log_per_node_statement = on         # the log shows what each backend was sent
                """.formatted(tools.listenAddress(), tools.listenPort(port), dir, dir, tools.path("pgpool.pid"), dir, clients,
                tools.path("pool_passwd")));
        for (int i = 0; i < backends.size(); i++) {
            var b = backends.get(i);
            conf.append("backend_hostname%d = '%s'%nbackend_port%d = %d%nbackend_weight%d = 1%nbackend_flag%d = 'ALLOW_TO_FAILOVER'%n"
                    .formatted(i, b.host(), i, b.port(), i, i));
        }
        tools.write("pgpool.conf", conf.toString(), false);
        tools.write("pool_passwd", env.superuser() + ":TEXT" + env.superuserPassword() + "\n", true);
        tools.write("pcp.conf", "", false);
        tools.write("pool_hba.conf", "", false);
    }

    /** Until a login through pgpool works; an error pgpool itself answers (not a refused connection) ends the wait. */
    private void waitUntilAccepting() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!isRunning()) {
                throw new LabException("pgpool exited at start: " + lastError() + " (log: " + log() + ")");
            }
            try (var c = connect()) {
                return;
            } catch (SQLException e) {
                if (e.getSQLState() == null || !e.getSQLState().startsWith("08")) {
                    throw new LabException("login through pgpool failed: " + e.getMessage().replace("\n", " "), e);
                }
                last = e.getMessage();
            }
            Wait.sleep(Duration.ofMillis(100));
        }
        throw new LabException("pgpool did not accept connections within " + START_TIMEOUT.toSeconds() + " s: " + last);
    }

    private String lastError() {
        return logTail(50).stream().filter(l -> l.contains("FATAL") || l.contains("ERROR")).reduce((a, b) -> b)
                .orElse("no error logged");
    }
}
