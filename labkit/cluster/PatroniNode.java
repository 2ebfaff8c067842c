//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A PostgreSQL server managed by Patroni on this machine: one member of a {@link Patroni}
 * cluster. As a {@link Node} it is the server (SQL, waits and samplers work on it as on any
 * node); its verbs go through Patroni, which owns the server's life: {@link #start} starts
 * Patroni (which starts, bootstraps or rewinds PostgreSQL), {@link #stop} stops Patroni (which
 * stops PostgreSQL), {@link #kill} crashes both, {@link #killPatroni} only the manager.
 */
public final class PatroniNode implements Node {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private PatroniConfig config;
    private final PatroniRest rest;
    private final Path postgresLog;
    private ServerProcess patroni;

    PatroniNode(PatroniConfig config) {
        this.config = config;
        this.rest = new PatroniRest("127.0.0.1", config.restPort());
        this.postgresLog = config.nodeDir().resolve(config.name() + ".log");
    }

    @Override public String name() { return config.name(); }
    @Override public String host() { return "127.0.0.1"; }
    @Override public int port() { return config.pgPort(); }
    @Override public String runtime() { return "local"; }

    public PatroniConfig config() { return config; }

    public PatroniRest rest() { return rest; }

    /** PostgreSQL's own log (Patroni hands the server's output on to its own, which goes here). */
    public Path postgresLog() { return postgresLog; }

    /** The command a student types to start this member by hand. */
    public String startCommand() {
        return String.join(" ", OsUser.asServerUser(List.of("patroni", config.file().toString())));
    }

    /** Starts Patroni, and waits until the server it runs accepts connections (as leader or replica). */
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

    /** Waits until Patroni reports its server running and the server answers SQL. */
    public void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (patroni == null || !patroni.isAlive()) {
                throw new LabException("Patroni of " + name() + " exited: " + lastPatroniLine() + " (logs: "
                        + config.patroniLog() + ", " + postgresLog + ")");
            }
            try {
                last = rest.patroni().path("state").asText();
                if (last.equals("running") && answersSql()) {
                    return;
                }
            } catch (LabException e) {
                last = e.getMessage();
            }
            Wait.sleep(Duration.ofMillis(100));
        }
        throw new LabException("Patroni of " + name() + " did not run its server within " + timeout.toSeconds()
                + " s (last state: " + last + "; " + lastPatroniLine() + ")");
    }

    private boolean answersSql() {
        try (var c = connect("postgres")) {
            return c.isValid(2);
        } catch (java.sql.SQLException e) {
            return false;
        }
    }

    /** SIGTERM to Patroni: it stops PostgreSQL (fast) and, as leader, gives up the leader key at once. */
    @Override
    public void stop() {
        if (patroni != null) {
            patroni.terminate(Duration.ofSeconds(60));
        }
    }

    /** The node crashes: SIGKILL to Patroni, then to the postmaster and each of its children. */
    @Override
    public void kill() {
        killPatroni();
        postmaster().ifPresent(postmaster -> {
            List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
            all.add(0, postmaster);
            all.forEach(ProcessHandle::destroyForcibly);
            while (all.stream().anyMatch(ProcessHandle::isAlive)) {
                Wait.sleep(Duration.ofMillis(5));
            }
        });
    }

    /** Only Patroni crashes; PostgreSQL goes on as it was (no watchdog here would reset the machine). */
    public void killPatroni() {
        if (patroni != null) {
            patroni.kill();
        }
    }

    /**
     * The other members reach this one directly from now on, not through its link: the config file
     * names the server's own port as connect_address, and Patroni re-reads it (POST /reload).
     */
    public void connectDirectly() {
        config = config.withConnectPort(config.pgPort());
        config.write(Env.get().root().resolve("conf"));
        rest.post("/reload", Etcd.JSON.createObjectNode());
    }

    public long patroniPid() {
        return patroni.pid();
    }

    public boolean patroniAlive() {
        return patroni != null && patroni.isAlive();
    }

    /**
     * Patroni decides who is primary: this asks it to fail over to this member (POST /failover
     * with this member as candidate) and waits until the server is out of recovery.
     */
    @Override
    public void promote() {
        rest.post("/failover", Etcd.JSON.createObjectNode().put("candidate", name()));
        Wait.until(name() + " is out of recovery", this, "SELECT pg_is_in_recovery()", "f", Duration.ofSeconds(60));
    }

    /** Patroni rewrites postgresql.conf at every start: settings go to its configuration instead. */
    @Override
    public void appendConf(String lines) {
        throw new LabException(name() + " is managed by Patroni, which owns postgresql.conf: change settings with "
                + "Patroni.configure (PATCH /config, what patronictl edit-config does)");
    }

    @Override
    public boolean isRunning() {
        return postmaster().isPresent();
    }

    @Override
    public List<String> logTail(int lines) {
        return tail(postgresLog, lines);
    }

    /** Patroni's own log: its decisions ("acquired session lock as a leader", "running pg_rewind from …"). */
    public List<String> patroniLog() {
        return tail(config.patroniLog(), Integer.MAX_VALUE);
    }

    private String lastPatroniLine() {
        List<String> lines = tail(config.patroniLog(), 1);
        return lines.isEmpty() ? "no Patroni log line" : lines.get(0);
    }

    @Override
    public String psqlCommand() {
        var env = Env.get();
        return "PGPASSWORD=" + env.superuserPassword() + " psql -h 127.0.0.1 -p " + port() + " -U " + env.superuser()
                + " " + env.database();
    }

    /** Patroni's view of this member: role (master/primary, replica), state, timeline. */
    public JsonNode status() {
        return rest.patroni();
    }

    /** The live postmaster, from the first line of postmaster.pid. */
    private Optional<ProcessHandle> postmaster() {
        try {
            String pid = Files.readAllLines(config.dataDir().resolve("postmaster.pid")).get(0).strip();
            return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
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
