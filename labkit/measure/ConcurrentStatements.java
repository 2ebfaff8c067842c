//DEPS org.hdrhistogram:HdrHistogram:2.2.2
package labkit.measure;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import labkit.cluster.LabException;
import labkit.cluster.Node;
import org.HdrHistogram.Histogram;

/**
 * Clients that run statements on a node at the same time, each one after the other on its own
 * connection: what one client's statement costs while the others compete (for a lock, say).
 */
public final class ConcurrentStatements {
    private ConcurrentStatements() {}

    /**
     * {@code clients} connections to {@code target} run {@code each} statements each, all at once;
     * statement i of client c is {@code sql.apply(c, i)}. Returns their latencies (send to reply).
     */
    public static Histogram latency(Node target, int clients, int each, BiFunction<Integer, Integer, String> sql) {
        var latencies = new ConcurrentLinkedQueue<Double>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var running = new ArrayList<Future<?>>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                running.add(pool.submit(() -> {
                    try (var connection = target.connect(); var st = connection.createStatement()) {
                        for (int i = 0; i < each; i++) {
                            long started = System.nanoTime();
                            st.execute(sql.apply(client, i));
                            latencies.add((System.nanoTime() - started) / 1e6);
                        }
                    }
                    return null;
                }));
            }
            for (var f : running) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new LabException("a statement on " + target.name() + " failed: "
                    + (cause instanceof SQLException ? cause.getMessage() : cause.toString()), cause);
        }
        return Latency.of(latencies);
    }
}
