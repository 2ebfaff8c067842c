package labkit.cluster;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A compose service of compose.yaml (postgres-primary, postgres-standby): its container runs
 * the server as PID 1, so stopping the server stops the container and the reverse.
 */
final class DockerNode implements Node {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration STOP_GRACE = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);

    private final String name;
    private final int port;
    private final String containerId;
    private final DockerEngine engine;
    private final DockerCompose compose;

    DockerNode(String name, int port, String containerId, DockerEngine engine, DockerCompose compose) {
        this.name = name;
        this.port = port;
        this.containerId = containerId;
        this.engine = engine;
        this.compose = compose;
    }

    @Override public String name() { return name; }
    /** Ports are published on 127.0.0.1 only. */
    @Override public String host() { return "127.0.0.1"; }
    @Override public int port() { return port; }
    @Override public String runtime() { return "docker"; }

    String containerId() { return containerId; }

    /** A compose CLI call on this node's project, as a student types it. */
    String composeCommandLine(String... args) {
        return compose.commandLine(args);
    }

    @Override
    public void start() {
        engine.start(containerId);
        awaitReady();
    }

    /** {@code docker stop}: the image's stop signal is SIGINT, PostgreSQL's fast shutdown. */
    @Override
    public void stop() {
        engine.stop(containerId, STOP_GRACE);
    }

    /** {@code docker kill}: SIGKILL to the postmaster, and with it to every process of the container. */
    @Override
    public void kill() {
        engine.kill(containerId);
    }

    @Override
    public void promote() {
        var result = engine.exec(containerId, "postgres", Duration.ofSeconds(90), "pg_ctl", "promote", "-w", "-t", "60");
        if (result.exitCode() != 0) {
            throw new LabException("pg_ctl promote on " + name + " failed: " + Processes.lastLine(result.output()));
        }
        Wait.until(name + " is out of recovery", this, "SELECT pg_is_in_recovery()", "f", Duration.ofSeconds(60));
    }

    /**
     * Appends to postgresql.auto.conf in the data directory: the settings file of compose.yaml
     * (conf/replication.conf) is shared and read-only. Works whether the server runs or not.
     */
    @Override
    public void appendConf(String lines) {
        runOnDataDirectory("printf '\\n%s\\n' \"$1\" >> \"$PGDATA/postgresql.auto.conf\"", lines.strip());
    }

    @Override
    public boolean isRunning() {
        return engine.running(containerId);
    }

    @Override
    public List<String> logTail(int lines) {
        return engine.log(containerId, lines);
    }

    @Override
    public String psqlCommand() {
        var env = Env.get();
        return compose.commandLine("exec", name, "psql", "-U", env.superuser(), "-d", env.database());
    }

    /**
     * Runs a bash script as postgres in a one-off container on this node's volume and network
     * (PGDATA set as in the node), e.g. pg_rewind while the server is down. {@code args} are $1…
     */
    String runOnDataDirectory(String script, String... args) {
        var command = new ArrayList<>(List.of("bash", "-euc", script, "pglab"));
        command.addAll(List.of(args));
        var result = engine.runBeside(containerId, "postgres", Map.of(DockerRuntime.PROJECT_LABEL, compose.project()),
                Duration.ofMinutes(10), command.toArray(String[]::new));
        if (result.exitCode() != 0) {
            throw new LabException("on the data directory of " + name + ": " + problem(result.output().lines().toList()));
        }
        return result.output();
    }

    /** The server's options in compose.yaml ({@code -c config_file=…}, …), for other ways of starting it. */
    List<String> serverOptions() {
        List<String> cmd = engine.command(containerId);
        return cmd.isEmpty() || !cmd.get(0).equals("postgres") ? cmd : cmd.subList(1, cmd.size());
    }

    /** Until the server accepts connections; fails at once with the log when the container stops. */
    void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String lastError = "";
        while (true) {
            if (!isRunning()) {
                throw new LabException("node " + name + " stopped: " + lastProblem() + " (see `"
                        + compose.commandLine("logs", name) + "`)");
            }
            try (var c = connect()) {
                return;
            } catch (SQLException e) {
                lastError = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new LabException("node " + name + " does not accept connections after "
                        + READY_TIMEOUT.toSeconds() + " s: " + lastError);
            }
            Wait.sleep(POLL);
        }
    }

    /** The last line that reports an error, with the DETAIL line PostgreSQL wrote after it; else the last line. */
    private String lastProblem() {
        List<String> tail = logTail(20);
        String problem = problem(tail);
        int at = tail.stream().map(String::strip).toList().lastIndexOf(problem);
        if (at >= 0 && at + 1 < tail.size() && tail.get(at + 1).contains("DETAIL:")) {
            return problem + " " + tail.get(at + 1).substring(tail.get(at + 1).indexOf("DETAIL:")).strip();
        }
        return problem;
    }

    /** The last line that reports an error, else the last line. */
    static String problem(List<String> lines) {
        return lines.stream().filter(l -> l.contains("FATAL") || l.contains("ERROR") || l.contains("error"))
                .reduce((a, b) -> b).orElse(lines.isEmpty() ? "no output" : lines.get(lines.size() - 1)).strip();
    }
}
