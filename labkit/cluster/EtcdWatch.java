//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The changes of one etcd key as etcd reports them (a {@code /v3/watch} stream), each stamped on
 * arrival with the lab clock. Watching Patroni's leader key shows when it expired (a DELETE when
 * its lease ran out) and when another member took it (a PUT with that member's name): the moments
 * that split a managed failover's RTO into detection and promotion. Stamped on arrival, a change
 * is late by the time etcd takes to send it on loopback (about a millisecond).
 */
public final class EtcdWatch implements AutoCloseable {
    private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(5);

    /** One change: {@code type} PUT or DELETE, {@code value} null for a DELETE. */
    public record Change(long nanos, String type, String value) {
        public boolean deleted() {
            return type.equals("DELETE");
        }
    }

    private final String key;
    private final long originNanos;
    private final List<Change> changes = new CopyOnWriteArrayList<>();
    private final CountDownLatch created = new CountDownLatch(1);
    private volatile InputStream stream;
    private volatile boolean closed;

    private EtcdWatch(String key, long originNanos) {
        this.key = key;
        this.originNanos = originNanos;
    }

    static EtcdWatch open(HttpClient http, URI watchUri, String key, long originNanos) {
        var watch = new EtcdWatch(key, originNanos);
        String body;
        try {
            body = Etcd.JSON.writeValueAsString(Map.of("create_request", Map.of("key", Etcd.base64(key))));
        } catch (IOException e) {
            throw new LabException("cannot encode an etcd watch: " + e.getMessage());
        }
        var request = HttpRequest.newBuilder(watchUri).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        Thread.ofVirtual().name("etcd-watch").start(() -> watch.follow(http, request));
        try {
            if (!watch.created.await(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                watch.close();
                throw new LabException("etcd did not confirm a watch on " + key + " within " + CREATE_TIMEOUT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while starting an etcd watch");
        }
        return watch;
    }

    /** Reads the stream: one JSON message a line, the first confirming the watch, then one per batch of changes. */
    private void follow(HttpClient http, HttpRequest request) {
        try {
            InputStream in = http.send(request, HttpResponse.BodyHandlers.ofInputStream()).body();
            stream = in;
            try (var lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    long now = System.nanoTime() - originNanos;
                    JsonNode result = Etcd.JSON.readTree(line).path("result");
                    if (result.path("created").asBoolean()) {
                        created.countDown();
                    }
                    for (JsonNode event : result.path("events")) {
                        String type = event.path("type").asText("PUT"); // the gateway leaves out the default, PUT
                        String value = event.path("kv").has("value") ? Etcd.decode(event.path("kv").path("value").asText()) : null;
                        changes.add(new Change(now, type, value));
                    }
                }
            }
        } catch (IOException e) {
            if (!closed) {
                System.err.println("the etcd watch on " + key + " broke: " + e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public List<Change> changes() {
        return List.copyOf(changes);
    }

    /**
     * The first change at or after {@code sinceNanos} (lab clock) that matches, waiting up to
     * {@code timeout}; {@code whileWaiting} runs at every poll (a lab prints its live line there).
     */
    public Optional<Change> await(long sinceNanos, Predicate<Change> matching, Duration timeout, Runnable whileWaiting) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<Change> found = changes.stream().filter(c -> c.nanos() >= sinceNanos).filter(matching).findFirst();
            if (found.isPresent() || System.nanoTime() > deadline) {
                return found;
            }
            whileWaiting.run();
            Wait.sleep(Duration.ofMillis(10));
        }
    }

    @Override
    public void close() {
        closed = true;
        InputStream in = stream;
        if (in != null) {
            try {
                in.close(); // ends the HTTP exchange and the reading thread with it
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
