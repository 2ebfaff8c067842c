//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A Patroni member in a container of compose.ha.yaml (docker/patroni): Patroni a child of the
 * container's init (tini), its PostgreSQL a child of Patroni. A crash of the node is
 * {@code docker kill}; a crash of Patroni alone leaves PostgreSQL to tini, which runs on.
 */
final class DockerPatroniNode extends PatroniNode {
    static final String HOME = "/var/lib/postgresql/patroni";
    private static final String CONFIG = HOME + "/patroni.yml";
    private static final Duration EXEC = Duration.ofSeconds(30);

    private final DockerEngine engine;
    private final DockerCompose compose;
    private final Consumer<String> progress;
    private String container;

    /** @param progress what compose prints while it creates the container (building the image the first time) */
    DockerPatroniNode(String name, int port, int connectPort, int restPort, DockerEngine engine, DockerCompose compose,
                      Consumer<String> progress) {
        super(name, port, connectPort, restPort);
        this.engine = engine;
        this.compose = compose;
        this.progress = progress;
    }

    @Override public String runtime() { return "docker"; }

    /** The node's container when it is down, or Patroni alone when only Patroni died (7.4). */
    @Override
    public void start() {
        if (container == null) {
            Ports.requireFree("PostgreSQL of " + name(), port());
            Ports.requireFree("Patroni's REST API of " + name(), rest().port());
            compose.up(name(), progress);
            container = engine.containerOf(compose.project(), name());
        } else if (!engine.running(container)) {
            engine.start(container);
        } else {
            exec("root", "patroni-start");
        }
        awaitRunning(START_TIMEOUT);
    }

    /** docker stop: SIGTERM to the container, which Patroni gets and stops PostgreSQL with. */
    @Override
    public void stop() {
        engine.stop(container, Duration.ofSeconds(60));
    }

    @Override
    public void kill() {
        if (container != null) {
            engine.kill(container);
        }
    }

    @Override
    public void killPatroni() {
        exec("root", "sh", "-c", "kill -9 \"$(cat /dev/shm/patroni.pid)\"");
    }

    /**
     * Its REST API answers, or else its process lives (a docker exec: slower). While the container
     * starts, the pid file is not written yet: Patroni counts as alive (starting).
     */
    @Override
    public boolean patroniAlive() {
        if (rest().answers()) {
            return true;
        }
        return container != null && engine.running(container) && engine.exec(container, "root", EXEC, "sh", "-c",
                "[ ! -f /dev/shm/patroni.pid ] || kill -0 \"$(cat /dev/shm/patroni.pid)\"").exitCode() == 0;
    }

    @Override
    public boolean isRunning() {
        return container != null && engine.running(container);
    }

    @Override
    public List<String> patroniLog() {
        return read(HOME + "/log/patroni.log");
    }

    @Override
    public List<String> logTail(int lines) {
        List<String> all = read(HOME + "/postgres.log");
        return all.subList(Math.max(0, all.size() - lines), all.size());
    }

    /** A file of the container, running or not (the logs of a node that was stopped are kept too). */
    private List<String> read(String file) {
        return container == null ? List.of() : engine.readFile(container, file).map(t -> t.lines().toList()).orElse(List.of());
    }

    /** The config file names the node itself as connect_address, and Patroni re-reads it (POST /reload). */
    @Override
    public void connectDirectly() {
        exec("root", "sed", "-i", "-E", "s|(\"connect_address\": \")host\\.docker\\.internal:[0-9]+|\\1" + name() + ":5432|",
                CONFIG);
        rest().post("/reload", Etcd.JSON.createObjectNode());
    }

    @Override
    public String startCommand() {
        return compose.commandLine("start", name()) + "    (or, when only Patroni died: "
                + compose.commandLine("exec", name(), "patroni-start") + ")";
    }

    @Override
    public String stopCommand() {
        return compose.commandLine("stop", name()) + "    (Patroni gets SIGTERM and stops its PostgreSQL)";
    }

    @Override
    public String killCommand() {
        return compose.commandLine("kill", name());
    }

    @Override
    public String killPatroniCommand() {
        return compose.commandLine("exec", name(), "sh", "-c", "'kill -9 $(cat /dev/shm/patroni.pid)'");
    }

    @Override
    public String listCommand() {
        return compose.commandLine("exec", name(), "patronictl", "-c", CONFIG, "list");
    }

    @Override
    public String list() {
        return exec("postgres", "patronictl", "-c", CONFIG, "list");
    }

    @Override
    public String psqlCommand() {
        var env = Env.get();
        return compose.commandLine("exec", name(), "psql", "-U", env.superuser(), env.database());
    }

    String container() {
        return container;
    }

    private String exec(String user, String... command) {
        var result = engine.exec(container, user, EXEC, command);
        if (result.exitCode() != 0) {
            throw new LabException(String.join(" ", command) + " in " + name() + " failed: "
                    + Processes.lastLine(result.output()));
        }
        return result.output();
    }
}
