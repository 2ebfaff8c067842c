//DEPS com.github.docker-java:docker-java-core:3.7.1
//DEPS com.github.docker-java:docker-java-transport-httpclient5:3.7.1
//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
// the engine sends a container's files as tar archives (docker-java's own choice, and version)
//DEPS org.apache.commons:commons-compress:1.28.0
package labkit.cluster;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The Docker engine through docker-java: what the compose CLI does not do well from a program
 * (kill, stop, start, exec, logs, inspect, one-off containers on a node's volume).
 */
final class DockerEngine implements AutoCloseable {
    /** One line of a container's log, with the time the engine received it. */
    record LogLine(Instant time, String text) {}

    /** What a command printed (stdout and stderr, in order) and how it ended. */
    record Result(long exitCode, String output) {}

    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(2);
    // Long enough for a stop that waits for a fast shutdown, and for a followed log between lines.
    private static final Duration RESPONSE_TIMEOUT = Duration.ofMinutes(5);

    private final DockerClient client;
    private final DefaultDockerClientConfig config;

    private DockerEngine(DockerClient client, DefaultDockerClientConfig config) {
        this.client = client;
        this.config = config;
    }

    /**
     * Whether the docker CLI reaches an engine within two seconds, with {@code env} added to the
     * environment. The CLI, not docker-java: it answers in a tenth of a second where loading
     * docker-java takes seconds, and compose goes through the same CLI settings (DOCKER_HOST, context).
     */
    static boolean answers(Map<String, String> env) {
        try {
            Processes.run(List.of("docker", "version", "--format", "{{.Server.Version}}"), env, ANSWER_TIMEOUT);
            return true;
        } catch (LabException e) {
            return false;
        }
    }

    /** Connects, or says in one line why not. */
    static DockerEngine connect() {
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        var http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .connectionTimeout(ANSWER_TIMEOUT)
                .responseTimeout(RESPONSE_TIMEOUT)
                .build();
        DockerClient client = DockerClientImpl.getInstance(config, http);
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            closeQuietly(client);
            throw new LabException("the Docker engine does not answer at " + config.getDockerHost() + " ("
                    + rootMessage(e) + "): start Docker, or use --runtime local", e);
        }
        return new DockerEngine(client, config);
    }

    boolean hasImage(String image) {
        try {
            client.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /**
     * Why {@code image} (repository:tag) cannot run here, or empty when it can: the engine has it,
     * or a pull would find it. For the second, the engine asks the image's registry for its
     * manifest (its distribution endpoint: what a pull starts with, downloading nothing), with the
     * engine's own registry settings; the registry has {@code bound} to answer. Where no registry
     * is reachable the engine says so at once (no such host); a network that drops packets would
     * not, hence the bound.
     */
    Optional<String> unavailable(String image, Duration bound) {
        if (hasImage(image)) {
            return Optional.empty();
        }
        var http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost()).sslConfig(config.getSSLConfig())
                .connectionTimeout(ANSWER_TIMEOUT).responseTimeout(bound).build();
        var request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.GET)
                .path("/distribution/" + image + "/json").build();
        try (http; var response = http.execute(request)) {
            if (response.getStatusCode() == 200) {
                return Optional.empty();
            }
            String body = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
            String message = new ObjectMapper().readTree(body).path("message").asText(body);
            // "Get \"https://…/v2/\": dial tcp: lookup …: no such host": the last part says it
            return Optional.of(message.substring(message.lastIndexOf(": ") + 1).strip());
        } catch (IOException | RuntimeException e) {
            return Optional.of(rootMessage(e).toLowerCase(java.util.Locale.ROOT).contains("timeout")
                    ? "its registry did not answer within " + bound.toSeconds() + " s" : rootMessage(e));
        }
    }

    /** The container of a compose service (v1 and v2 label them alike), running or not. */
    String containerOf(String project, String service) {
        var found = client.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("com.docker.compose.project", project, "com.docker.compose.service", service))
                .exec();
        if (found.isEmpty()) {
            throw new LabException("compose project " + project + " has no container for " + service);
        }
        return found.get(0).getId();
    }

    /** Container ids carrying {@code label=value}, running or not. */
    List<String> containersLabeled(String label, String value) {
        return client.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(label, value)).exec()
                .stream().map(c -> c.getId()).toList();
    }

    /** The containers, volumes and networks of compose project {@code project} (or with {@code label=project}), one line each. */
    List<String> leftOf(String project, String label) {
        var left = new ArrayList<String>();
        for (String key : List.of("com.docker.compose.project", label)) {
            containersLabeled(key, project).forEach(id -> left.add("container " + id.substring(0, 12) + " of " + project));
        }
        var volumes = client.listVolumesCmd().withFilter("label", List.of("com.docker.compose.project=" + project)).exec().getVolumes();
        if (volumes != null) {
            volumes.forEach(v -> left.add("volume " + v.getName()));
        }
        client.listNetworksCmd().withFilter("label", List.of("com.docker.compose.project=" + project)).exec()
                .forEach(n -> left.add("network " + n.getName()));
        return left;
    }

    InspectContainerResponse inspect(String id) {
        return client.inspectContainerCmd(id).exec();
    }

    /** The container's command (compose.yaml's {@code command:}). */
    List<String> command(String id) {
        String[] cmd = inspect(id).getConfig().getCmd();
        return cmd == null ? List.of() : List.of(cmd);
    }

    /** The engine's host system, e.g. "Debian GNU/Linux 12 (bookworm)" or "Docker Desktop". */
    String operatingSystem() {
        String os = client.infoCmd().exec().getOperatingSystem();
        return os == null ? "" : os;
    }

    boolean running(String id) {
        return Boolean.TRUE.equals(inspect(id).getState().getRunning());
    }

    void start(String id) {
        try {
            client.startContainerCmd(id).exec();
        } catch (NotModifiedException alreadyRunning) {
            // nothing to do
        }
    }

    /** The image's stop signal (SIGINT: a fast shutdown), then SIGKILL after {@code grace}. */
    void stop(String id, Duration grace) {
        try {
            client.stopContainerCmd(id).withTimeout((int) grace.toSeconds()).exec();
        } catch (NotModifiedException alreadyStopped) {
            // nothing to do
        }
    }

    /** SIGKILL to the container's first process: the kernel ends every other process of the container with it. */
    void kill(String id) {
        signalKill(id);
        awaitExit(id);
    }

    /** SIGKILL to the container's first process, if it runs; returns at once. */
    void signalKill(String id) {
        if (running(id)) {
            client.killContainerCmd(id).exec();
        }
    }

    /** Returns once the container has stopped (30 s at most). */
    void awaitExit(String id) {
        client.waitContainerCmd(id).start().awaitStatusCode(30, TimeUnit.SECONDS);
    }

    /**
     * A text file of the container, running or stopped (what {@code docker cp} reads), or empty
     * when it does not exist. The engine sends it as a tar archive of that one file.
     */
    Optional<String> readFile(String id, String path) {
        try (var tar = new TarArchiveInputStream(
                client.copyArchiveFromContainerCmd(id, path).exec())) {
            return tar.getNextEntry() == null ? Optional.empty()
                    : Optional.of(new String(tar.readAllBytes(), StandardCharsets.UTF_8));
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new LabException("cannot read " + path + " in container " + id + ": " + e.getMessage());
        }
    }

    void remove(String id) {
        client.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
    }

    /** The containers of compose project {@code project} and the one-off ones labeled {@code label=project}. */
    java.util.Set<String> projectContainers(String project, String label) {
        var containers = new java.util.LinkedHashSet<>(containersLabeled("com.docker.compose.project", project));
        containers.addAll(containersLabeled(label, project));
        return containers;
    }

    /**
     * Removes the container, killed if it still runs, and the volumes it mounts (a node's data
     * directory: deleting its files is most of a teardown's time, so each container's go at once).
     * A part that will not go is named in one line.
     */
    void removeWithItsVolumes(String id) {
        List<String> volumes;
        try {
            var mounts = inspect(id).getMounts();
            volumes = mounts == null ? List.of() : mounts.stream().map(m -> m.getName())
                    .filter(name -> name != null && !name.isEmpty()).toList();
        } catch (NotFoundException gone) {
            return;
        }
        quietly("container " + id.substring(0, 12), () -> remove(id));
        volumes.forEach(v -> quietly("volume " + v, () -> client.removeVolumeCmd(v).exec()));
    }

    /**
     * Removes what {@code compose down -v} would, and the one-off containers labeled {@code
     * label=project}: each container with its volumes on a thread of its own, then the networks and
     * any volume left. Nothing is stopped gracefully (compose waits up to a service's
     * stop_grace_period, 60 s, for a process that ignores SIGTERM) and no CLI starts: a Ctrl+C
     * teardown keeps nothing. A part that will not go is named in one line and does not keep the others.
     */
    void removeProject(String project, String label) {
        try (var removals = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            projectContainers(project, label).forEach(id -> removals.submit(() -> removeWithItsVolumes(id)));
        }
        removeNetworksAndVolumes(project);
    }

    /** The networks of compose project {@code project} and any volume of it left: after its containers. */
    void removeNetworksAndVolumes(String project) {
        var filter = List.of("com.docker.compose.project=" + project);
        client.listNetworksCmd().withFilter("label", filter).exec()
                .forEach(n -> quietly("network " + n.getName(), () -> client.removeNetworkCmd(n.getId()).exec()));
        var volumes = client.listVolumesCmd().withFilter("label", filter).exec().getVolumes();
        if (volumes != null) {
            volumes.forEach(v -> quietly("volume " + v.getName(), () -> client.removeVolumeCmd(v.getName()).exec()));
        }
    }

    private static void quietly(String what, Runnable removal) {
        try {
            removal.run();
        } catch (NotFoundException gone) {
            // removed meanwhile (a container's anonymous volume with it): what was asked for
        } catch (RuntimeException e) {
            System.err.println("could not remove " + what + ": " + rootMessage(e));
        }
    }

    /** Runs {@code command} inside the running container as {@code user}. */
    Result exec(String id, String user, Duration timeout, String... command) {
        return exec(id, user, Map.of(), timeout, command);
    }

    /** The same, with variables added to its environment (a password, a file's content: not on a command line). */
    Result exec(String id, String user, Map<String, String> env, Duration timeout, String... command) {
        String execId = client.execCreateCmd(id).withUser(user).withAttachStdout(true).withAttachStderr(true)
                .withEnv(env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .withCmd(command).exec().getId();
        var output = new StringBuilder();
        var lines = new LineCallback(line -> output.append(line.text()).append('\n'), false);
        await(client.execStartCmd(execId).exec(lines), timeout, String.join(" ", command));
        return new Result(client.inspectExecCmd(execId).exec().getExitCodeLong(), output.toString());
    }

    /** The last {@code lines} lines of the container's log (stdout and stderr), or all with null. */
    List<String> log(String id, Integer lines) {
        var out = new ArrayList<String>();
        var cmd = client.logContainerCmd(id).withStdOut(true).withStdErr(true);
        cmd = lines == null ? cmd.withTailAll() : cmd.withTail(lines);
        await(cmd.exec(new LineCallback(line -> out.add(line.text()), false)), Duration.ofSeconds(30), "docker logs");
        return out;
    }

    /**
     * Follows the container's log from its start until {@code done} accepts a line (true) or the
     * container stops (false), with the engine's timestamp on every line.
     */
    boolean follow(String id, Predicate<LogLine> done, Duration timeout) {
        boolean[] seen = {false};
        var callback = new LineCallback(null, true);
        callback.consumer = line -> {
            if (!seen[0] && done.test(line)) {
                seen[0] = true;
                closeQuietly(callback);
            }
        };
        client.logContainerCmd(id).withStdOut(true).withStdErr(true).withTimestamps(true).withFollowStream(true)
                .withTailAll().exec(callback);
        await(callback, timeout, "the log of " + id);
        return seen[0];
    }

    /**
     * Runs {@code command} in a one-off container shaped like {@code like}: same image,
     * environment, volumes, bind mounts and network (so a node's data directory can be worked on
     * while its server is down, with its configuration at hand and the other nodes reachable by
     * service name), then removes it.
     */
    Result runBeside(String like, String user, Map<String, String> labels, Duration timeout, String... command) {
        var model = inspect(like);
        var volumes = model.getMounts().stream()
                .map(m -> new Bind(m.getName() != null ? m.getName() : m.getSource(), m.getDestination(),
                        Boolean.FALSE.equals(m.getRW()) ? AccessMode.ro : AccessMode.rw))
                .toList();
        String network = model.getNetworkSettings().getNetworks().keySet().iterator().next();
        String id = client.createContainerCmd(model.getConfig().getImage())
                .withEnv(model.getConfig().getEnv())
                .withUser(user)
                .withLabels(labels)
                .withEntrypoint(command[0])
                .withCmd(List.of(command).subList(1, command.length))
                .withHostConfig(HostConfig.newHostConfig().withBinds(volumes).withNetworkMode(network))
                .exec().getId();
        try {
            client.startContainerCmd(id).exec();
            Integer exit = client.waitContainerCmd(id).start().awaitStatusCode(timeout.toSeconds(), TimeUnit.SECONDS);
            return new Result(exit, String.join("\n", log(id, null)));
        } finally {
            remove(id);
        }
    }

    /** Runs {@code command} in a one-off container of {@code image} (its entrypoint replaced), then removes it. */
    Result runImage(String image, Duration timeout, String... command) {
        String id = client.createContainerCmd(image).withEntrypoint(command[0])
                .withCmd(List.of(command).subList(1, command.length)).exec().getId();
        try {
            client.startContainerCmd(id).exec();
            Integer exit = client.waitContainerCmd(id).start().awaitStatusCode(timeout.toSeconds(), TimeUnit.SECONDS);
            return new Result(exit, String.join("\n", log(id, null)));
        } finally {
            remove(id);
        }
    }

    @Override
    public void close() {
        closeQuietly(client);
    }

    private static void await(ResultCallback.Adapter<?> callback, Duration timeout, String what) {
        try {
            if (!callback.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                closeQuietly(callback);
                throw new LabException(what + " did not finish within " + timeout.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(callback);
            throw new LabException("interrupted while waiting for " + what);
        }
    }

    static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing is best effort
        }
    }

    /** Docker sends output in frames that do not follow line ends: this puts the lines back together, per stream. */
    private static final class LineCallback extends ResultCallback.Adapter<Frame> {
        private final Map<StreamType, ByteArrayOutputStream> partial = new EnumMap<>(StreamType.class);
        private final boolean timestamps;
        Consumer<LogLine> consumer;

        LineCallback(Consumer<LogLine> consumer, boolean timestamps) {
            this.consumer = consumer;
            this.timestamps = timestamps;
        }

        @Override
        public void onNext(Frame frame) {
            var buffer = partial.computeIfAbsent(frame.getStreamType(), t -> new ByteArrayOutputStream());
            for (byte b : frame.getPayload()) {
                if (b == '\n') {
                    emit(buffer);
                } else {
                    buffer.write(b);
                }
            }
        }

        @Override
        public void onComplete() {
            partial.values().forEach(b -> {
                if (b.size() > 0) {
                    emit(b);
                }
            });
            super.onComplete();
        }

        private void emit(ByteArrayOutputStream buffer) {
            String line = buffer.toString(StandardCharsets.UTF_8);
            buffer.reset();
            Instant time = null;
            int space = line.indexOf(' ');
            if (timestamps && space > 0) {
                time = Instant.parse(line.substring(0, space));
                line = line.substring(space + 1);
            }
            consumer.accept(new LogLine(time, line.endsWith("\r") ? line.substring(0, line.length() - 1) : line));
        }
    }
}
