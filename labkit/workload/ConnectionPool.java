package labkit.workload;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The virtual users of one operation type of the built-in workload: each holds at most one
 * connection, opened before the first arrival and reopened (after a short backoff) when it broke
 * or the target moved.
 */
final class ConnectionPool {
    private static final long RETRY_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Put in the idle queue by {@link #abandon}, so that users waiting in {@link #take} wake up. */
    private static final Slot WAKE_UP = new Slot();

    private final BlockingQueue<Slot> idle = new LinkedBlockingQueue<>();
    private final List<Slot> all = new ArrayList<>();
    private volatile boolean abandoned;

    ConnectionPool(int users) {
        for (int i = 0; i < users; i++) {
            var slot = new Slot();
            all.add(slot);
            idle.add(slot);
        }
    }

    /**
     * Waits for a free user, blocked in the queue rather than polling it (the load generator must
     * not take CPU from the servers it measures); null once the run is being abandoned.
     */
    Slot take() {
        try {
            Slot slot = idle.take();
            if (abandoned) {
                idle.add(slot); // pass the wake-up on to the next waiting operation
                return null;
            }
            return slot;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    void release(Slot slot) {
        idle.add(slot);
    }

    /**
     * Opens every user's connection before the first arrival: a connection's login (SCRAM) costs
     * far more than a write, and is not what the lab measures.
     */
    void connectAll(Endpoint target) {
        try (var starting = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Slot slot : all) {
                starting.execute(() -> {
                    try {
                        slot.connect(target);
                    } catch (SQLException e) {
                        // the first operation on this user will try again, and record what happens
                    }
                });
            }
        }
    }

    /** Breaks every connection, even one waiting on a stalled commit; {@link #take} gives no user from now on. */
    void abandon() {
        abandoned = true;
        idle.add(WAKE_UP);
        all.forEach(Slot::abort);
    }

    void closeAll() {
        all.forEach(Slot::discard);
    }

    /** One virtual user's connection, reopened (after a short backoff) when it broke or the target moved. */
    static final class Slot {
        private volatile Connection connection;
        private Endpoint endpoint;
        private long retryAt;

        Connection connect(Endpoint target) throws SQLException {
            if (connection != null && endpoint == target) {
                return connection;
            }
            discard();
            long wait = retryAt - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            try {
                connection = target.connect();
                endpoint = target;
                return connection;
            } catch (SQLException e) {
                retryAt = System.nanoTime() + RETRY_BACKOFF_NANOS;
                throw e;
            }
        }

        void discard() {
            Connection c = connection;
            connection = null;
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // already broken
                }
            }
        }

        void abort() {
            Connection c = connection;
            if (c != null) {
                try {
                    c.abort(Runnable::run);
                } catch (SQLException ignored) {
                    // already broken
                }
            }
        }
    }
}
