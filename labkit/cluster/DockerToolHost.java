package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tool's folder in a container of the lab's compose project (a node's, or a tool service's of
 * compose.yaml), its programs run there as postgres by {@code docker exec}. The container goes
 * with the project at teardown, and with it whatever the tool left running.
 */
final class DockerToolHost implements ToolHost {
    /** What compose.yaml's tool services publish: a server program there listens on this port. */
    static final int SERVICE_PORT = 9999;
    private static final Duration QUICK = Duration.ofSeconds(30);
    /** In the folder, HOME there, /usr/sbin on PATH (pgpool), no PGPASSWORD unless given: $1 is the folder. */
    private static final String IN_FOLDER = """
            cd "$1" || exit 1
            export HOME="$1" PATH="$PATH:/usr/sbin"
            [ -n "$PGLAB_PGPASSWORD" ] && export PGPASSWORD="$PGLAB_PGPASSWORD" || unset PGPASSWORD
            unset PGLAB_PGPASSWORD
            shift
            """;

    private final DockerEngine engine;
    private final DockerCompose compose;
    private final String service;
    private final String containerId;
    private final String dir;

    DockerToolHost(DockerEngine engine, DockerCompose compose, String service, String containerId, String name) {
        this.engine = engine;
        this.compose = compose;
        this.service = service;
        this.containerId = containerId;
        this.dir = "/tmp/pglab-" + name;
        exec("mkdir -p " + dir, Map.of(), QUICK, "mkdir", "-p", dir);
    }

    @Override public String kind() { return "docker"; }
    @Override public String dir() { return dir; }
    @Override public String program(String name) { return name; }

    @Override
    public String run(Map<String, String> env, Duration timeout, List<String> command) {
        var vars = new HashMap<String, String>();
        if (env.containsKey("PGPASSWORD")) {
            vars.put("PGLAB_PGPASSWORD", env.get("PGPASSWORD"));
        }
        var cmd = new ArrayList<>(List.of("sh", "-c", IN_FOLDER + "exec \"$@\"", "pglab", dir));
        cmd.addAll(command);
        return exec(String.join(" ", command), vars, timeout, cmd.toArray(String[]::new));
    }

    @Override
    public long startInBackground(List<String> command, String log) {
        // a subshell that execs the program: $! is the program's PID
        var cmd = new ArrayList<>(List.of("sh", "-c", IN_FOLDER + "log=\"$1\"; shift; "
                + "( exec \"$@\" >> \"$log\" 2>&1 < /dev/null ) & echo $!", "pglab", dir, log));
        cmd.addAll(command);
        return Long.parseLong(exec(String.join(" ", command), Map.of(), QUICK, cmd.toArray(String[]::new)).strip());
    }

    @Override
    public boolean alive(long pid) {
        return engine.exec(containerId, "postgres", QUICK, "kill", "-0", String.valueOf(pid)).exitCode() == 0;
    }

    /** SIGKILL to {@code pid}; children it leaves go with the container (its init reaps them). */
    @Override
    public void killTree(long pid) {
        engine.exec(containerId, "postgres", QUICK, "kill", "-9", String.valueOf(pid));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (alive(pid) && System.nanoTime() < deadline) {
            Wait.sleep(Duration.ofMillis(100));
        }
    }

    @Override
    public void write(String file, String content, boolean secret) {
        exec("writing " + path(file), Map.of("PGLAB_CONTENT", content), QUICK, "sh", "-c", (secret ? "umask 077; " : "")
                + "printf %s \"$PGLAB_CONTENT\" > \"$1\"", "pglab", path(file));
    }

    @Override
    public List<String> read(String file) {
        return engine.readFile(containerId, path(file)).map(text -> text.lines().toList()).orElse(List.of());
    }

    @Override
    public List<String> files() {
        return exec("ls " + dir, Map.of(), QUICK, "ls", "-1", dir).lines().toList();
    }

    @Override
    public void delete(String file) {
        exec("rm -f " + path(file), Map.of(), QUICK, "rm", "-f", path(file));
    }

    @Override
    public long size(String file) {
        return Long.parseLong(exec("stat " + path(file), Map.of(), QUICK, "stat", "-c", "%s", path(file)).strip());
    }

    /** Every node of the project by its service name, as the nodes reach each other. */
    @Override
    public NodeRuntime.Endpoint reach(Node node) {
        return new NodeRuntime.Endpoint(node.name(), 5432);
    }

    @Override public String listenAddress() { return "*"; }
    @Override public int listenPort(int port) { return SERVICE_PORT; }

    @Override
    public String commandLine(List<String> command) {
        return compose.commandLine("exec", "-u", "postgres", "-w", dir, service) + " " + String.join(" ", command);
    }

    @Override
    public void keep(String file, Path logDir, String name) {
        try {
            var text = engine.readFile(containerId, path(file));
            if (text.isPresent()) {
                Files.createDirectories(logDir);
                Files.writeString(logDir.resolve(name), text.get());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("could not keep " + path(file) + " of " + service + ": " + e.getMessage());
        }
    }

    /** Runs {@code command} there as postgres; {@code shown} is what a failure names. */
    private String exec(String shown, Map<String, String> env, Duration timeout, String... command) {
        var result = engine.exec(containerId, "postgres", env, timeout, command);
        if (result.exitCode() != 0) {
            throw new LabException("`" + shown + "` in " + service + " failed (exit " + result.exitCode() + "): "
                    + DockerNode.problem(result.output().lines().toList()));
        }
        return result.output();
    }
}
