//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Patroni's REST API on one member: {@code /patroni} (this member's state), {@code /cluster}
 * (every member, as the leader key and member keys in etcd say), the health checks
 * {@code /primary} and {@code /replica} (200 or 503, what load balancers ask), and
 * {@code PATCH /config} (the cluster-wide settings kept in etcd).
 */
public final class PatroniRest {
    private final String host;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    public PatroniRest(String host, int port) {
        this.host = host;
        this.port = port;
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://" + host + ":" + port + path;
    }

    /** This member: state (running, starting, stopped …), role (master in Patroni 3, primary in 4; replica), timeline. */
    public JsonNode patroni() {
        return json(request("/patroni").GET());
    }

    /** Every member with its role (leader, replica, sync_standby), state, host/port, timeline and lag. */
    public JsonNode cluster() {
        return json(request("/cluster").GET());
    }

    /** The cluster-wide settings (ttl, loop_wait, synchronous_mode, postgresql.parameters …). */
    public JsonNode config() {
        return json(request("/config").GET());
    }

    /** Merges {@code patch} into the cluster-wide settings (null removes a setting); returns the new settings. */
    public JsonNode patchConfig(JsonNode patch) {
        return json(request("/config").method("PATCH", body(patch)));
    }

    /** POSTs {@code body} to an action such as {@code /failover}; a refusal becomes one clear line. */
    public String post(String path, JsonNode body) {
        try {
            var response = http.send(request(path).POST(body(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new LabException("Patroni at " + url(path) + " refused: " + response.statusCode() + " " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new LabException("Patroni's REST API at " + url("") + " does not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while asking Patroni");
        }
    }

    /** The status of a health check such as {@code /primary}: 200 yes, 503 no, -1 when nothing answers. */
    public int status(String path) {
        try {
            return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while asking Patroni");
        }
    }

    public boolean answers() {
        return status("/liveness") > 0;
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(5));
    }

    private static HttpRequest.BodyPublisher body(JsonNode json) {
        return HttpRequest.BodyPublishers.ofString(json.toString());
    }

    private JsonNode json(HttpRequest.Builder request) {
        try {
            var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 400) {
                throw new LabException("Patroni at " + url("") + " answered " + response.statusCode() + ": " + response.body());
            }
            return Etcd.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new LabException("Patroni's REST API at " + url("") + " does not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while asking Patroni");
        }
    }
}
