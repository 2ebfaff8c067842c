package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * Nodes are the services of compose.yaml, one compose project per lab run: the compose CLI
 * creates them (and removes everything at the end), docker-java does the rest. Labs load Pagila
 * themselves, so the primary starts with PGLAB_LOAD_PAGILA=none.
 */
final class DockerRuntime implements NodeRuntime {
    public static final String PRIMARY = "postgres-primary";
    public static final String STANDBY = "postgres-standby";
    /** A second standby, for labs that compare two (compose profile second-standby). */
    public static final String STANDBY2 = "postgres-standby2";
    /**
     * Compose v2 leaves the services of profiles not active out of {@code down}: the kit's calls
     * activate every profile of nodes ({@code up} still starts only the service it names): lab06's
     * second standby, lab05's mechanisms.
     */
    private static final String PROFILES = "second-standby,mechanisms";
    /** One-off containers of a run carry this label with the project's name, so close() finds them. */
    static final String PROJECT_LABEL = "dev.pglab.project";

    private static final Pattern BASEBACKUP_KB = Pattern.compile("(\\d+)/(\\d+) kB");
    private static final Duration BASEBACKUP_TIMEOUT = Duration.ofMinutes(30);

    private final DockerEngine engine;
    private final DockerCompose compose;
    /** Nodes of another major share the first runtime's engine and project; that one closes both. */
    private final boolean sibling;
    private final Path logDir;
    private final Consumer<String> progress;
    /** compose.yaml's services, read at the first node. */
    private List<String> services;
    /** Added to by the lab's thread, read by a Ctrl+C teardown at any moment. */
    private final Map<String, DockerNode> nodes = new ConcurrentHashMap<>();
    private boolean closed;

    /**
     * @param project  compose project name, e.g. pglab-lab01 (lower case, digits, dashes)
     * @param image    image repository, tagged with {@code major} (postgres, or the CI test image)
     * @param logDir   where the nodes' logs are kept after close (out/&lt;lab&gt;/logs)
     * @param progress receives the compose CLI's output (image pulls, container creation)
     */
    public DockerRuntime(String project, String image, String major, Path logDir, Consumer<String> progress) {
        requireRepository(image);
        this.engine = DockerEngine.connect();
        Path root = Env.get().root();
        try {
            this.compose = DockerCompose.find(root, project);
        } catch (LabException e) {
            engine.close();
            throw e;
        }
        this.logDir = logDir;
        this.progress = progress;
        this.sibling = false;
        if (!engine.containersLabeled("com.docker.compose.project", project).isEmpty()) {
            engine.close();
            throw new LabException("a cluster of compose project " + project + " is still there (kept with --keep?): "
                    + "remove it with `" + compose.commandLine("--profile", PROFILES, "down", "-v") + "` in " + root);
        }
        compose.set("PGLAB_IMAGE", image);
        compose.set("PG_MAJOR", major);
        compose.set("PGLAB_LOAD_PAGILA", "none");
        compose.set("COMPOSE_PROFILES", PROFILES);
    }

    private DockerRuntime(DockerRuntime first, String major) {
        this.engine = first.engine;
        this.compose = first.compose.copy();
        this.logDir = first.logDir;
        this.progress = first.progress;
        this.sibling = true;
        compose.set("PG_MAJOR", major);
    }

    /** Whether a Docker engine answers, within two seconds. */
    public static boolean available() {
        return DockerEngine.answers(Map.of());
    }

    /** Refuses a PGLAB_IMAGE with a tag: the kit tags it with the major. */
    static void requireRepository(String image) {
        if (image.substring(image.lastIndexOf('/') + 1).contains(":")) {
            throw new LabException("PGLAB_IMAGE is an image repository without a tag (got " + image + "): the tag is "
                    + "the PostgreSQL major, from --pg-version or PG_MAJOR");
        }
    }

    @Override public String kind() { return "docker"; }

    public String project() { return compose.project(); }

    /** The compose CLI in use, as it names itself ({@code docker compose version}). */
    String composeVersion() { return compose.version(); }

    /** The compose command of this lab's project, for a k6 service that joins the cluster. */
    public List<String> composeCommand() { return compose.command(); }

    @Override
    public Node createPrimary(String name, int port) {
        requireService(name);
        compose.set(portVariable(name), String.valueOf(port));
        compose.up(name, progress);
        DockerNode node = register(name, port);
        node.awaitReady();
        return node;
    }

    @Override
    public BaseBackup createStandby(String name, int port, Node primary, Endpoint upstream, LongConsumer bytesCopied) {
        requireService(name);
        NodeRuntime.createSlot(primary, name); // init-db.sh may have made it already
        compose.set(portVariable(name), String.valueOf(port));
        compose.set("UPSTREAM_HOST", upstream.host());
        compose.set("UPSTREAM_PORT", String.valueOf(upstream.port()));
        compose.up(name, progress);
        DockerNode node = register(name, port);
        var backup = followBaseBackup(node, bytesCopied);
        node.awaitReady();
        return backup;
    }

    /** The other nodes reach a node by its service name on the compose network. */
    @Override
    public Endpoint endpointSeenFromNodes(Node node) {
        return new Endpoint(node.name(), 5432);
    }

    /** compose.yaml maps host.docker.internal to the host (extra_hosts: host-gateway). */
    @Override
    public String hostSeenFromNodes() {
        return "host.docker.internal";
    }

    /**
     * Where host.docker.internal (extra_hosts: host-gateway) leads, as a running node resolves it:
     * on a Linux engine an address of the host on a Docker bridge, reachable from the containers
     * and not from the network. Docker Desktop forwards it to the host's loopback instead.
     */
    @Override
    public String bindAddressForNodes() {
        if (engine.operatingSystem().contains("Docker Desktop")) {
            return "127.0.0.1";
        }
        DockerNode node = nodes.values().stream().filter(DockerNode::isRunning).findFirst()
                .orElseThrow(() -> new LabException("start a node before opening a link: the address it listens on "
                        + "is the one the nodes resolve " + hostSeenFromNodes() + " to"));
        var result = engine.exec(node.containerId(), "postgres", Duration.ofSeconds(10),
                "getent", "ahostsv4", hostSeenFromNodes());
        if (result.exitCode() != 0 || result.output().isBlank()) {
            throw new LabException(node.name() + " cannot resolve " + hostSeenFromNodes()
                    + ": compose.yaml maps it with extra_hosts (host-gateway needs Docker 20.10 or newer)");
        }
        return result.output().strip().split("\\s+")[0];
    }

    /**
     * pg_rewind runs in a one-off container on the stopped node's volume (stopping postgres
     * stops its container); then standby.signal and where to stream from, and the node starts.
     */
    @Override
    public Rewind rejoinAsStandby(Node node, Node source, Endpoint upstream) {
        DockerNode docker = (DockerNode) node;
        if (docker.isRunning()) {
            throw new LabException(node.name() + " must be stopped before it can rejoin as a standby");
        }
        var env = Env.get();
        NodeRuntime.createSlot(source, node.name());
        Rewind.checkpointForRewind(source);
        Endpoint from = endpointSeenFromNodes(source);
        // After a crash, pg_rewind would run crash recovery itself, in single-user mode with the data
        // directory's own postgresql.conf: without conf/replication.conf, wal_log_hints would be off
        // and pg_rewind would then refuse the target. So recovery runs first with the node's options.
        // The node's container is stopped, so its lock file (PID 1, alive here as the shell) is stale.
        // -R writes standby.signal; the primary_conninfo it writes is replaced below.
        var args = new ArrayList<>(List.of("host=%s port=%d user=%s password=%s dbname=%s".formatted(from.host(),
                from.port(), env.superuser(), env.superuserPassword(), env.database())));
        args.addAll(docker.serverOptions());
        String shown = docker.composeCommandLine("run", "--rm", "--no-deps", "-u", "postgres", node.name(), "bash", "-c",
                "'pg_rewind -D \"$PGDATA\" --source-server=\"host=%s port=%d user=%s dbname=%s\" --progress -R'"
                        .formatted(from.host(), from.port(), env.superuser(), env.database()));
        var rewind = Rewind.parsePgRewind(shown, docker.runOnDataDirectory("""
                rm -f "$PGDATA/postmaster.pid"
                case "$(LC_ALL=C pg_controldata "$PGDATA" | sed -n 's/^Database cluster state: *//p')" in
                    "shut down"|"shut down in recovery") ;;
                    *) postgres --single "${@:2}" -D "$PGDATA" template1 < /dev/null ;;
                esac
                pg_rewind -D "$PGDATA" --source-server="$1" --progress -R
                """, args.toArray(String[]::new)));
        followUpstream(docker, upstream);
        docker.start();
        return rewind;
    }

    /** standby.signal and primary_conninfo in the stopped node's volume, by a one-off container; then it starts. */
    @Override
    public void followAsIs(Node node, Node primary, Endpoint upstream) {
        DockerNode docker = (DockerNode) node;
        if (docker.isRunning()) {
            throw new LabException(node.name() + " must be stopped before it can follow " + primary.name());
        }
        NodeRuntime.createSlot(primary, node.name());
        followUpstream(docker, upstream);
        docker.start();
    }

    @Override
    public int major() {
        return Integer.parseInt(compose.get("PG_MAJOR"));
    }

    /** In the node's container, with its client programs. */
    @Override
    public ToolHost toolsBeside(Node node, String name) {
        return new DockerToolHost(engine, compose, node.name(), ((DockerNode) node).containerId(), name);
    }

    /** compose.yaml's tool service {@code name} (an idle container of the image, its port published as the name says). */
    @Override
    public ToolHost toolService(String name, int port) {
        requireService(name);
        if (port > 0) {
            compose.set(portVariable(name), String.valueOf(port));
        }
        compose.up(name, progress);
        return new DockerToolHost(engine, compose, name, engine.containerOf(compose.project(), name), name);
    }

    /** The image of {@code major} for this run, e.g. pglab/mechanisms:17. */
    String image(String major) {
        return compose.get("PGLAB_IMAGE") + ":" + major;
    }

    DockerEngine engine() {
        return engine;
    }

    /** Nodes of {@code major}: the same image repository tagged {@code major}, on this run's project. */
    @Override
    public NodeRuntime ofMajor(String major, Narrator narrator) {
        narrator.event("Using the image " + compose.get("PGLAB_IMAGE") + ":" + major + " for PostgreSQL " + major);
        return new DockerRuntime(this, major);
    }

    /**
     * What pg_basebackup -R writes; postgresql.auto.conf is read last, so these lines win over
     * what pg_rewind copied from the source.
     */
    private static void followUpstream(DockerNode node, Endpoint upstream) {
        var env = Env.get();
        node.runOnDataDirectory("""
                touch "$PGDATA/standby.signal"
                printf "\\nprimary_conninfo = '%s'\\nprimary_slot_name = '%s'\\n" "$1" "$2" >> "$PGDATA/postgresql.auto.conf"
                """, "host=%s port=%d user=%s password=%s application_name=%s".formatted(upstream.host(),
                upstream.port(), env.replicationUser(), env.replicationPassword(), node.name()),
                NodeRuntime.slotName(node.name()));
    }

    @Override
    public String teardownHint() {
        return "cd " + Env.get().root() + " && " + compose.commandLine("--profile", PROFILES, "down", "-v");
    }

    /** What close() found of the project afterwards (the engine is closed then): see {@link #leftovers}. */
    private List<String> left = List.of();

    /** Kills every node (nothing is kept), keeps the logs, then removes the containers, the network and the volumes of the run. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (sibling) {
            keepLogs();
            return;
        }
        try {
            var nodeContainers = new java.util.HashSet<String>();
            try (var teardowns = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (DockerNode node : nodes.values()) {
                    nodeContainers.add(node.containerId());
                    teardowns.submit(() -> killKeepLogAndRemove(node));
                }
                // the tools' and one-off containers have no log to keep: they go at once, beside the nodes
                engine.projectContainers(compose.project(), PROJECT_LABEL).stream().filter(id -> !nodeContainers.contains(id))
                        .forEach(id -> teardowns.submit(() -> engine.removeWithItsVolumes(id)));
            }
            TeardownTimes.mark("every container killed and removed with its volumes, the nodes' logs kept");
            engine.removeNetworksAndVolumes(compose.project());
            TeardownTimes.mark("the network removed");
            left = engine.leftOf(compose.project(), PROJECT_LABEL);
        } finally {
            engine.close();
        }
    }

    @Override
    public List<String> leftovers() {
        return left;
    }

    /**
     * One node's part of the teardown, run beside the others': SIGKILL (nothing is kept, so no
     * shutdown checkpoint is waited for: stop_grace_period is 60 s), its log, its container and volumes gone.
     */
    private void killKeepLogAndRemove(DockerNode node) {
        try {
            engine.kill(node.containerId());
        } catch (RuntimeException e) {
            System.err.println("could not kill " + node.name() + ": " + e.getMessage());
        }
        keepLog(node);
        engine.removeWithItsVolumes(node.containerId());
    }

    /** --keep: the containers stay up; their logs are saved now. */
    public void keep() {
        keepLogs();
    }

    private DockerNode register(String name, int port) {
        var node = new DockerNode(name, port, engine.containerOf(compose.project(), name), engine, compose);
        nodes.put(name, node);
        return node;
    }

    private void requireService(String name) {
        if (services == null) {
            services = compose.services();
        }
        if (!services.contains(name)) {
            throw new LabException("the docker runtime runs the services of compose.yaml, which has no \"" + name
                    + "\" (it has " + String.join(", ", services.stream().sorted().toList()) + ")");
        }
    }

    /**
     * The variable compose.yaml publishes a service's port with: postgres-primary's is PRIMARY_PORT,
     * postgres-standby-18's STANDBY_18_PORT.
     */
    static String portVariable(String service) {
        return service.replaceFirst("^postgres-", "").toUpperCase(Locale.ROOT).replace('-', '_') + "_PORT";
    }

    /**
     * scripts/init-standby.sh runs pg_basebackup -P -v in the container: the size is its last
     * progress report, the time runs from the script's first line about the backup to
     * pg_basebackup's "base backup completed", both as stamped by the engine.
     */
    private BaseBackup followBaseBackup(DockerNode node, LongConsumer bytesCopied) {
        long[] bytes = {0};
        Instant[] started = {null};
        Instant[] finished = {null};
        boolean completed = engine.follow(node.containerId(), line -> {
            if (line.text().startsWith("init-standby: base backup of")) {
                started[0] = line.time();
            }
            var kb = BASEBACKUP_KB.matcher(line.text());
            if (started[0] != null && kb.find()) {
                bytes[0] = Long.parseLong(kb.group(1)) * 1024;
                bytesCopied.accept(bytes[0]);
            }
            if (line.text().equals("pg_basebackup: base backup completed")) {
                finished[0] = line.time();
                return true;
            }
            return false;
        }, BASEBACKUP_TIMEOUT);
        if (!completed || started[0] == null) {
            throw new LabException("the base backup into " + node.name() + " did not complete: "
                    + DockerNode.problem(node.logTail(20)) + " (see `" + compose.commandLine("logs", node.name()) + "`)");
        }
        double seconds = Duration.between(started[0], finished[0]).toNanos() / 1e9;
        return new BaseBackup(node, "pg_basebackup", bytes[0], seconds);
    }

    private void keepLogs() {
        nodes.values().forEach(this::keepLog);
    }

    private void keepLog(DockerNode node) {
        try {
            Files.createDirectories(logDir);
            Files.write(logDir.resolve(node.name() + ".log"), engine.log(node.containerId(), null));
        } catch (IOException | RuntimeException e) {
            System.err.println("could not keep the log of " + node.name() + ": " + e.getMessage());
        }
    }
}
