//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One etcd member, reached on 127.0.0.1: the consensus store in which Patroni keeps its leader
 * key. A lab runs one member; production runs three or five, so that the store itself survives a
 * failure. Either a process of this machine ({@link #start}) or a container's published client
 * port ({@link #at}). The kit talks to etcd's v3 JSON gateway ({@code /v3/kv/range},
 * {@code /v3/watch}: keys and values in base64), which etcd 3.4 and 3.5 serve on the client port.
 */
public final class Etcd implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    /** The local process, or null for a container (the runtime owns that). */
    private final ServerProcess process;
    private final int clientPort;
    private final int peerPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Etcd(ServerProcess process, int clientPort, int peerPort) {
        this.process = process;
        this.clientPort = clientPort;
        this.peerPort = peerPort;
    }

    /** The command line of a single-member cluster, as a student would type it. */
    public static List<String> command(Path dataDir, int clientPort, int peerPort) {
        String client = "http://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        return List.of(Tools.require("etcd").toString(), "--name", "etcd1", "--data-dir", dataDir.toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "etcd1=" + peer, "--initial-cluster-state", "new");
    }

    /** Starts a fresh member with its data in {@code dir}/data and waits until it reports healthy. */
    public static Etcd start(Path dir, int clientPort, int peerPort, Path log) {
        Ports.requireFree("etcd", clientPort, peerPort);
        Path dataDir = dir.resolve("data");
        try {
            Files.createDirectories(dataDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new LabException("cannot create " + dataDir + ": " + e.getMessage());
        }
        OsUser.chown(dir);
        var etcd = new Etcd(ServerProcess.start("etcd", command(dataDir, clientPort, peerPort), log), clientPort, peerPort);
        etcd.awaitHealthy();
        return etcd;
    }

    /** An etcd in a container, its client port published on 127.0.0.1; waits until it reports healthy. */
    public static Etcd at(int clientPort) {
        var etcd = new Etcd(null, clientPort, -1);
        etcd.awaitHealthy();
        return etcd;
    }

    private void awaitHealthy() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "(no answer yet)";
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                throw new LabException("etcd exited at start: " + process.lastLogLine() + " (log: " + process.log() + ")");
            }
            try {
                if (get("/health").path("health").asText().equals("true")) {
                    return;
                }
            } catch (LabException e) {
                last = e.getMessage();
            }
            Wait.sleep(Duration.ofMillis(100));
        }
        if (process != null) {
            process.kill();
        }
        throw new LabException("etcd did not become healthy within " + START_TIMEOUT.toSeconds() + " s: " + last);
    }

    /** host:port of the client API, as Patroni's etcd3 section names it. */
    public String endpoint() {
        return "127.0.0.1:" + clientPort;
    }

    public int clientPort() { return clientPort; }

    public int peerPort() { return peerPort; }

    public String version() {
        return get("/version").path("etcdserver").asText();
    }

    /** The value of {@code key}, or empty when it does not exist (an expired leader key). */
    public Optional<String> value(String key) {
        JsonNode kvs = post("/v3/kv/range", Map.of("key", base64(key))).path("kvs");
        return kvs.isEmpty() ? Optional.empty() : Optional.of(decode(kvs.get(0).path("value").asText()));
    }

    /** Follows {@code key} from now on; times count from {@code originNanos} (the lab clock's origin). */
    public EtcdWatch watch(String key, long originNanos) {
        return EtcdWatch.open(http, URI.create("http://" + endpoint() + "/v3/watch"), key, originNanos);
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    JsonNode post(String path, Object body) {
        try {
            return send(HttpRequest.newBuilder(uri(path))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
        } catch (IOException e) {
            throw new LabException("cannot encode a request to etcd: " + e.getMessage());
        }
    }

    private JsonNode send(HttpRequest.Builder request) {
        try {
            var response = http.send(request.timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new LabException("etcd at " + endpoint() + " does not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while asking etcd");
        }
    }

    private URI uri(String path) {
        return URI.create("http://" + endpoint() + path);
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    /** The local process; empty for a container. */
    public Optional<ServerProcess> process() {
        return Optional.ofNullable(process);
    }

    /** Stops a local member (SIGTERM; nothing in it outlives the lab); a container is its runtime's to stop. */
    @Override
    public void close() {
        if (process != null) {
            process.terminate(Duration.ofSeconds(5));
        }
    }
}
