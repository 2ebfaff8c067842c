package labkit.workload;

import java.io.File;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import labkit.cluster.Env;
import labkit.cluster.LabException;
import labkit.cluster.Node;
import labkit.cluster.Processes;

/**
 * A k6 that can run k6/pagila_read_write_test.js: one built with xk6-sql and its PostgreSQL
 * driver. Either a {@code k6} on PATH (it reaches the nodes where the kit does, on this machine),
 * or, with the Docker runtime, the compose service {@code k6} (profile k6, image
 * {@value #IMAGE}), which reaches them by service name on the cluster's network.
 */
public final class K6 {
    static final String IMAGE = "pglab-k6";
    static final String SCRIPT = "k6/pagila_read_write_test.js";
    /** What `k6 version` lists for the driver module of xk6-sql >= 1.0 (older builds had the drivers inside). */
    static final String DRIVER_IMPORT = "k6/x/sql/driver/postgres";
    static final String HOW_TO_GET = "build one with `xk6 build --with github.com/grafana/xk6-sql "
            + "--with github.com/grafana/xk6-sql-driver-postgres` and put it on PATH, "
            + "or use the Docker runtime (docker compose --profile k6 build k6)";

    private final List<String> compose;
    private final String executable;
    private final String description;

    private K6(String executable, List<String> compose, String description) {
        this.executable = executable;
        this.compose = compose;
        this.description = description;
    }

    /**
     * Finds a suitable k6: one on PATH first; else, when {@code compose} is given (with the Docker
     * runtime: the compose CLI with the project's file, folder and name, e.g. {@code docker compose
     * -f compose.yaml --project-directory . -p pglab-lab02}), the built k6 image. Otherwise one
     * LabException line that says how to get one.
     */
    public static K6 find(List<String> compose) {
        return find(compose, System.getenv().getOrDefault("PATH", ""));
    }

    static K6 find(List<String> compose, String path) {
        var onPath = onPath(path);
        if (onPath.k6 != null) {
            return onPath.k6;
        }
        if (compose != null && imageExists()) {
            return inCompose(compose);
        }
        String why = onPath.rejected != null ? onPath.rejected
                : compose != null ? "no k6 on PATH and no image " + IMAGE : "no k6 on PATH";
        throw new LabException("k6 with the xk6-sql extension not found (" + why + "): " + HOW_TO_GET);
    }

    static K6 inCompose(List<String> compose) {
        return new K6(null, List.copyOf(compose), "k6 in the compose service k6 (image " + IMAGE + ")");
    }

    /** The first k6 on {@code path} whose `k6 version` lists the PostgreSQL driver, or why none was taken. */
    record Lookup(K6 k6, String rejected) {}

    static Lookup onPath(String path) {
        String rejected = null;
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir, "k6");
            if (!Files.isRegularFile(candidate) || !Files.isExecutable(candidate)) {
                continue;
            }
            String version;
            try {
                version = Processes.run(List.of(candidate.toString(), "version"), Map.of(), Duration.ofSeconds(20));
            } catch (LabException e) {
                rejected = rejected != null ? rejected : candidate + " does not run: " + e.getMessage();
                continue;
            }
            String first = version.strip().lines().findFirst().orElse("k6");
            if (version.contains(DRIVER_IMPORT)) {
                return new Lookup(new K6(candidate.toString(), null, first + " at " + candidate + " with xk6-sql"), null);
            }
            rejected = rejected != null ? rejected : candidate + " (" + first + ") has no xk6-sql PostgreSQL driver";
        }
        return new Lookup(null, rejected);
    }

    private static boolean imageExists() {
        try {
            Process p = new ProcessBuilder("docker", "image", "inspect", IMAGE).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** For the lab's notes and summary.json, e.g. "k6 v1.3.0 (…) at /usr/local/bin/k6 with xk6-sql". */
    public String description() {
        return description;
    }

    /**
     * The command that runs {@code k6 <k6Args>}; in compose, as a one-off container named
     * {@code name}, as the owner of {@code outDir} so the files it writes there stay the user's.
     */
    List<String> command(String name, Path outDir, List<String> k6Args) {
        var command = new ArrayList<String>();
        if (compose == null) {
            command.add(executable);
        } else {
            command.addAll(compose);
            // --no-deps: the lab runs the cluster; compose must not start or recreate its services.
            command.addAll(List.of("--profile", "k6", "run", "--rm", "--no-deps", "-T", "--name", name, "--user", owner(outDir),
                    "k6"));
        }
        command.addAll(k6Args);
        return command;
    }

    /** The script, as k6 sees it (compose mounts ./k6 at /scripts). */
    String script(Path root) {
        return compose == null ? root.resolve(SCRIPT).toString() : "/scripts/pagila_read_write_test.js";
    }

    /** A file under the lab's out/ folder, as k6 sees it (compose mounts ./out at /out). */
    String file(Path root, Path file) {
        if (compose == null) {
            return file.toAbsolutePath().toString();
        }
        Path out = root.resolve("out").toAbsolutePath();
        Path absolute = file.toAbsolutePath();
        if (!absolute.startsWith(out)) {
            throw new IllegalArgumentException(file + " is not under " + out + ", which the k6 service mounts at /out");
        }
        return "/out/" + out.relativize(absolute).toString().replace(File.separatorChar, '/');
    }

    /** The lib/pq URL of {@code node}'s lab database, as k6 reaches it. */
    String url(Node node) {
        var env = Env.get();
        String hostPort = compose == null ? node.host() + ":" + node.port() : node.name() + ":5432";
        // sslmode: the lab's servers have no TLS, and lib/pq's default is to require it.
        return "postgres://" + encode(env.superuser()) + ":" + encode(env.superuserPassword()) + "@" + hostPort + "/"
                + encode(env.database()) + "?sslmode=disable&application_name=pglab-k6";
    }

    /** Asks k6 to stop the way Ctrl+C does (SIGTERM): it ends the run, flushes its output, prints the summary. */
    void interrupt(Process process, String name) {
        if (compose == null) {
            process.destroy();
        } else {
            try {
                new ProcessBuilder("docker", "kill", "--signal", "TERM", name).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(20, TimeUnit.SECONDS);
            } catch (IOException e) {
                process.destroy();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The last resort: SIGKILL (its last output line may be cut). */
    void kill(Process process, String name) {
        if (compose != null) {
            try {
                new ProcessBuilder("docker", "rm", "--force", name).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(20, TimeUnit.SECONDS);
            } catch (IOException ignored) {
                // the container is gone, or docker is: either way nothing more to do here
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        process.destroyForcibly();
    }

    private static String owner(Path dir) {
        try {
            return Files.getAttribute(dir, "unix:uid") + ":" + Files.getAttribute(dir, "unix:gid");
        } catch (IOException | UnsupportedOperationException e) {
            return "0:0";
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
