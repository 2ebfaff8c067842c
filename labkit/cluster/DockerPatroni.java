//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Patroni cluster of containers: compose.ha.yaml's etcd and members (its profile {@code ha}), in
 * a compose project of their own. The member image is docker/patroni on the official postgres image (built by compose
 * when missing), or the one PGLAB_PATRONI_IMAGE names (CI: pglab/patroni-test, with etcd too, for
 * PGLAB_ETCD_IMAGE). The members' services, and their tags, are the file's.
 */
public final class DockerPatroni extends Patroni {
    private static final String FILE = "compose.ha.yaml";
    /** Every service of the file is in this profile (the names are compose.yaml's too: see the file's head). */
    private static final String PROFILE = "ha";
    private static final Set<String> SERVICES = Set.of("postgres-primary", "postgres-standby", "postgres-standby-2",
            "postgres-cascade");

    private final DockerEngine engine;
    private final DockerCompose compose;
    private final Path logDir;
    private String bindAddress;

    private DockerPatroni(String scope, int base, PatroniConfig.Timing timing, Narrator narrator, Path logDir,
                          DockerEngine engine, DockerCompose compose) {
        super(scope, base, timing, narrator);
        this.logDir = logDir;
        this.engine = engine;
        this.compose = compose;
    }

    /** How long a registry has to say whether it has an image (none reachable: it fails at once). */
    private static final Duration PULL_CHECK = Duration.ofSeconds(3);
    /** The member image when PGLAB_PATRONI_IMAGE is not set: compose builds it (compose.ha.yaml's build:). */
    private static final String MEMBER_IMAGE = "pglab-patroni";

    /**
     * Why the cluster cannot run on Docker here, or empty when it can: an engine answers, and each
     * image of compose.ha.yaml is there or can be pulled; the member image may also be built by
     * compose, on the official image of {@code major} (docker/patroni's base), if that one can be had.
     * The lab's --runtime auto asks, before anything starts.
     */
    public static Optional<Unavailable> unavailable(String major) {
        if (!DockerEngine.answers(System.getenv())) {
            return Optional.of(new Unavailable("no Docker engine answers", "start Docker (docker info must work)"));
        }
        var compose = compose("pglab-lab07", major);
        String member = compose.get("PGLAB_PATRONI_IMAGE") + ":" + major;
        try (var engine = DockerEngine.connect()) {
            for (String image : compose.images()) {
                var why = engine.unavailable(image, PULL_CHECK);
                if (why.isPresent() && image.equals(member)) {
                    String base = "postgres:" + major;
                    why = engine.unavailable(base, PULL_CHECK).map(w -> "nor can it be built: its base " + base
                            + " is not here and cannot be pulled (" + w + ")");
                }
                if (why.isPresent()) {
                    return Optional.of(new Unavailable("no image " + image + " here, and none can be pulled (" + why.get()
                            + ")", "build them with docker/patroni/build.sh and run with PGLAB_PATRONI_IMAGE=pglab/patroni-test "
                            + "PGLAB_ETCD_IMAGE=pglab/patroni-test:15 --pg-version 15 (its Patroni knows PostgreSQL up to 15)"));
                }
            }
        }
        return Optional.empty();
    }

    /** Why the cluster cannot run on Docker here, and what would change that. */
    public record Unavailable(String why, String remedy) {}

    /** compose.ha.yaml for {@code project}, its images and PostgreSQL major set. */
    private static DockerCompose compose(String project, String major) {
        var compose = DockerCompose.find(Env.get().root(), FILE, PROFILE, project);
        compose.set("PG_MAJOR", major);
        compose.set("PGLAB_PATRONI_IMAGE", System.getenv().getOrDefault("PGLAB_PATRONI_IMAGE", MEMBER_IMAGE));
        System.getenv().entrySet().stream().filter(e -> e.getKey().equals("PGLAB_ETCD_IMAGE"))
                .forEach(e -> compose.set(e.getKey(), e.getValue()));
        return compose;
    }

    /**
     * Starts etcd in the compose project {@code project}, for members on PostgreSQL {@code major}.
     * The scope is compose.ha.yaml's (pglab).
     */
    public static DockerPatroni start(String project, String major, int base, PatroniConfig.Timing timing,
                                      Narrator narrator, Path logDir) {
        var engine = DockerEngine.connect();
        var compose = compose(project, major);
        var cluster = new DockerPatroni("pglab", base, timing, narrator, logDir, engine, compose);
        try {
            String image = compose.get("PGLAB_PATRONI_IMAGE");
            compose.set("PATRONI_TTL", String.valueOf(timing.ttl()));
            compose.set("PATRONI_LOOP_WAIT", String.valueOf(timing.loopWait()));
            compose.set("PATRONI_RETRY_TIMEOUT", String.valueOf(timing.retryTimeout()));
            compose.set("ETCD_PORT", String.valueOf(cluster.etcdPort()));
            Ports.requireFree("etcd", cluster.etcdPort());
            narrator.event("Starting etcd (one member) on port " + cluster.etcdPort() + " (" + compose.commandLine("up", "-d",
                    "etcd") + "; member image " + image + ":" + major + ")");
            compose.up("etcd", narrator::progress);
            cluster.etcd = Etcd.at(cluster.etcdPort());
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    @Override public String runtime() { return "docker"; }

    @Override
    PatroniNode create(String name, Map<String, String> tags, int index) {
        if (!SERVICES.contains(name)) {
            throw new LabException(FILE + " has no member " + name + " (it has " + String.join(", ", SERVICES) + ")");
        }
        String variable = name.toUpperCase(Locale.ROOT).replace('-', '_');
        compose.set(variable + "_PORT", String.valueOf(pgPort(index)));
        compose.set(variable + "_REST_PORT", String.valueOf(restPort(index)));
        compose.set(variable + "_CONNECT", "host.docker.internal:" + linkPort(index));
        return new DockerPatroniNode(name, pgPort(index), linkPort(index), restPort(index), engine, compose,
                narrator::progress);
    }

    /** Where the containers reach this machine: the address host.docker.internal resolves to in a member. */
    @Override
    synchronized String linkBindAddress() {
        if (bindAddress == null) {
            if (engine.operatingSystem().contains("Docker Desktop")) {
                bindAddress = "127.0.0.1";
            } else {
                var member = (DockerPatroniNode) members().get(0);
                var result = engine.exec(member.container(), "root", Duration.ofSeconds(10), "getent", "ahostsv4",
                        "host.docker.internal");
                if (result.exitCode() != 0 || result.output().isBlank()) {
                    throw new LabException(member.name() + " cannot resolve host.docker.internal: " + FILE
                            + " maps it with extra_hosts (host-gateway needs Docker 20.10 or newer)");
                }
                bindAddress = result.output().strip().split("\\s+")[0];
            }
        }
        return bindAddress;
    }

    @Override
    public String etcdCommand() {
        return compose.commandLine("up", "-d", "etcd");
    }

    @Override
    String teardownHint() {
        return compose.commandLine("down", "-v");
    }

    @Override
    void destroy() {
        engine.removeProject(compose.project(), DockerRuntime.PROJECT_LABEL);
    }

    @Override
    List<String> leftOnDisk() {
        return engine.leftOf(compose.project(), DockerRuntime.PROJECT_LABEL);
    }

    @Override
    void saveLogs() {
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            System.err.println("could not keep the logs in " + logDir + ": " + e.getMessage());
            return;
        }
        // each file read from the engine on a thread of its own: a Ctrl+C teardown waits for them all
        try (var reads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (PatroniNode node : members()) {
                reads.submit(() -> keep(node.name() + ".log", () -> node.logTail(Integer.MAX_VALUE)));
                reads.submit(() -> keep(node.name() + ".patroni.log", node::patroniLog));
            }
            reads.submit(() -> keep("etcd.log", () -> engine.log(engine.containerOf(compose.project(), "etcd"), null)));
        }
    }

    private void keep(String file, java.util.function.Supplier<List<String>> lines) {
        try {
            Files.write(logDir.resolve(file), lines.get());
        } catch (IOException | RuntimeException e) {
            System.err.println("could not keep " + logDir.resolve(file) + ": " + e.getMessage());
        }
    }
}
