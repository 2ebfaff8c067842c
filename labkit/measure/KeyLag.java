package labkit.measure;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;
import labkit.cluster.Node;
import labkit.workload.Ledger;

/**
 * Replication lag as a reader of the follower sees it, timed the same way whatever the
 * mechanism: from the moment a write was acknowledged to the client to the start of the first
 * query on the follower that finds its key. A poller asks the follower, round after round, for
 * the keys of the acknowledged writes it has not seen yet ({@code pglab_write.key}).
 *
 * <p>The resolution is one polling round (the query plus {@code every}): a follower that has
 * the row before the acknowledgement (synchronous, statement-based) still shows up to a round.
 * A meter (the bytes on the mechanism's links, say) is read each time keys are found, so that
 * its value when the last key showed up can be told apart from what came after.
 */
public final class KeyLag implements AutoCloseable {
    private static final String QUERY = "SELECT key FROM pglab_write WHERE key = ANY (?)";

    private final Node follower;
    private final Ledger ledger;
    private final Predicate<Ledger.Write> include;
    private final long origin;
    private final long everyNanos;
    private final Supplier<Map<String, Long>> meter;
    private Map<String, Long> meterAtLastSeen;
    private final Map<String, Long> pending = new HashMap<>();
    private final List<Double> lagsMs = new ArrayList<>();
    private final List<Double> roundsMs = new ArrayList<>();
    private final Thread poller;
    private int cursor;
    private volatile boolean stopping;
    private String lastError;

    /** Writes still in flight when {@link #finish} is called get this long to be acknowledged. */
    private static final Duration IN_FLIGHT = Duration.ofSeconds(1);

    /**
     * The outcome: one lag per key found, the keys never found, how long a polling round took, and
     * the meter as read when the last key was found (null if none was).
     */
    public record Result(List<Double> lagsMs, int unseen, List<Double> roundsMs, String lastError,
                         Map<String, Long> meterAtLastSeen) {}

    private KeyLag(Node follower, Ledger ledger, Predicate<Ledger.Write> include, long origin, Duration every,
                   Supplier<Map<String, Long>> meter) {
        this.follower = follower;
        this.ledger = ledger;
        this.include = include;
        this.origin = origin;
        this.everyNanos = every.toNanos();
        this.meter = meter;
        this.poller = Thread.ofVirtual().name("key-lag-" + follower.name()).start(this::poll);
    }

    /**
     * Starts polling {@code follower} for the acknowledged writes of {@code ledger} that
     * {@code include} accepts, resting {@code every} between rounds. {@code origin} is the lab
     * clock's origin (ledger times count from it).
     */
    public static KeyLag start(Node follower, Ledger ledger, Predicate<Ledger.Write> include, long origin, Duration every,
                               Supplier<Map<String, Long>> meter) {
        return new KeyLag(follower, ledger, include, origin, every, meter);
    }

    /**
     * Once no more writes are to be included: waits a moment for those still in flight, then until
     * every included write was seen, or {@code timeout}; then stops polling.
     */
    public Result finish(Duration timeout) {
        LockSupport.parkNanos(IN_FLIGHT.toNanos());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && (!caughtUp())) {
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        close();
        synchronized (this) {
            return new Result(List.copyOf(lagsMs), pending.size(), List.copyOf(roundsMs), lastError, meterAtLastSeen);
        }
    }

    @Override
    public void close() {
        stopping = true;
        try {
            poller.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized boolean caughtUp() {
        return pending.isEmpty() && cursor == ledger.size();
    }

    private void poll() {
        Connection c = null;
        while (!stopping) {
            String[] keys = takeNewKeys();
            if (keys.length == 0) {
                LockSupport.parkNanos(everyNanos);
                continue;
            }
            try {
                if (c == null) {
                    c = follower.connect();
                }
                long started = System.nanoTime() - origin;
                var found = new ArrayList<String>();
                try (var ps = c.prepareStatement(QUERY)) {
                    ps.setArray(1, c.createArrayOf("text", keys));
                    try (var rs = ps.executeQuery()) {
                        while (rs.next()) {
                            found.add(rs.getString(1));
                        }
                    }
                }
                seen(found, started, System.nanoTime() - origin);
            } catch (SQLException e) {
                lastError = e.getMessage();
                c = close(c);
            }
            LockSupport.parkNanos(everyNanos);
        }
        close(c);
    }

    /** Adds the writes acknowledged since the last round to the pending keys; returns all pending keys. */
    private synchronized String[] takeNewKeys() {
        List<Ledger.Write> writes = ledger.writes();
        for (int i = cursor; i < writes.size(); i++) {
            Ledger.Write w = writes.get(i);
            if (w.outcome() == Ledger.Outcome.OK && include.test(w)) {
                pending.put(w.key(), w.doneNanos());
            }
        }
        cursor = writes.size();
        return pending.keySet().toArray(String[]::new);
    }

    private synchronized void seen(List<String> keys, long roundStarted, long roundEnded) {
        if (!keys.isEmpty()) {
            meterAtLastSeen = meter.get();
        }
        for (String key : keys) {
            Long acked = pending.remove(key);
            if (acked != null) {
                lagsMs.add((roundStarted - acked) / 1e6);
            }
        }
        roundsMs.add((roundEnded - roundStarted) / 1e6);
    }

    private static Connection close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // broken already
            }
        }
        return null;
    }
}
