//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A Patroni member on this machine: Patroni a process of the server user, its PostgreSQL a child of it. */
final class LocalPatroniNode extends PatroniNode {
    private PatroniConfig config;
    private final Path postgresLog;
    private ServerProcess patroni;

    LocalPatroniNode(PatroniConfig config) {
        super(config.name(), config.pgPort(), config.connectPort(), config.restPort());
        this.config = config;
        this.postgresLog = config.nodeDir().resolve(config.name() + ".log");
    }

    @Override public String runtime() { return "local"; }

    PatroniConfig config() { return config; }

    /** PostgreSQL's own log (Patroni hands the server's output on to its own, which goes here). */
    Path postgresLog() { return postgresLog; }

    @Override
    public String startCommand() {
        return String.join(" ", OsUser.asServerUser(List.of("patroni", config.file().toString())))
                + "    (the file: " + config.file().getFileName() + ")";
    }

    @Override
    public String stopCommand() {
        return "kill <pid of patroni " + name() + ">    (SIGTERM: Patroni stops its PostgreSQL)";
    }

    @Override
    public String killCommand() {
        return "kill -9 <pid of patroni " + name() + "> <its postmaster and the postmaster's children>";
    }

    @Override
    public String killPatroniCommand() {
        return "kill -9 <pid of patroni " + name() + ">";
    }

    @Override
    public void start() {
        Ports.requireFree("Patroni's REST API of " + name(), config.restPort());
        if (!isRunning()) {
            Ports.requireFree("PostgreSQL of " + name(), config.pgPort());
        }
        patroni = ServerProcess.start("patroni " + name(),
                List.of(Tools.require("patroni").toString(), config.file().toString()), postgresLog);
        awaitRunning(START_TIMEOUT);
    }

    /** SIGTERM to Patroni: it stops PostgreSQL (fast) and, as leader, gives up the leader key at once. */
    @Override
    public void stop() {
        if (patroni != null) {
            patroni.terminate(Duration.ofSeconds(60));
        }
    }

    /** The node crashes: SIGKILL to Patroni, then to its PostgreSQL as {@link LocalNode#kill} does. */
    @Override
    public void kill() {
        killPatroni();
        Postmaster.kill(config.dataDir(), name());
    }

    @Override
    public void killPatroni() {
        if (patroni != null) {
            patroni.kill();
        }
    }

    @Override
    public boolean patroniAlive() {
        return patroni != null && patroni.isAlive();
    }

    long patroniPid() {
        return patroni.pid();
    }

    /** The config file names the server's own port as connect_address, and Patroni re-reads it (POST /reload). */
    @Override
    public void connectDirectly() {
        config = config.withConnectPort(config.pgPort());
        config.write(Env.get().root().resolve("conf"));
        rest().post("/reload", Etcd.JSON.createObjectNode());
    }

    @Override
    public String listCommand() {
        return String.join(" ", listArgs());
    }

    @Override
    public String list() {
        return Processes.run(listArgs(), Map.of(), Duration.ofSeconds(30));
    }

    private List<String> listArgs() {
        return OsUser.asServerUser(List.of(Tools.require("patronictl").toString(), "-c", config.file().toString(), "list"));
    }

    @Override
    public boolean isRunning() {
        return Postmaster.of(config.dataDir()).isPresent();
    }

    @Override
    public List<String> logTail(int lines) {
        return tail(postgresLog, lines);
    }

    @Override
    public List<String> patroniLog() {
        return tail(config.patroniLog(), Integer.MAX_VALUE);
    }

    @Override
    public String psqlCommand() {
        var env = Env.get();
        return "PGPASSWORD=" + env.superuserPassword() + " psql -h 127.0.0.1 -p " + port() + " -U " + env.superuser()
                + " " + env.database();
    }

    private static List<String> tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (IOException e) {
            return List.of();
        }
    }
}
