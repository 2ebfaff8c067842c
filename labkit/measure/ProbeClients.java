package labkit.measure;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import labkit.cluster.LabException;

/** The clients of a probe: each on its own virtual thread until the probe's time is up; the first failure stops the probe. */
final class ProbeClients {
    interface Client {
        /** Runs until {@code endNanos}. */
        void run(int index, long endNanos) throws SQLException;
    }

    private ProbeClients() {}

    static void run(int clients, Duration duration, Client client) {
        long end = System.nanoTime() + duration.toNanos();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var running = new ArrayList<Future<?>>();
            for (int i = 0; i < clients; i++) {
                int index = i;
                running.add(pool.submit(() -> {
                    client.run(index, end);
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof LabException lab) {
                throw lab;
            }
            throw new LabException("a probe client failed: " + cause.getMessage().lines().findFirst().orElse(""), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted");
        }
    }

    /** Sleeps until {@code deadlineNanos} of System.nanoTime(); returns at once when it has passed. */
    static void sleepUntil(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            labkit.cluster.Wait.sleep(Duration.ofNanos(left));
        }
    }
}
