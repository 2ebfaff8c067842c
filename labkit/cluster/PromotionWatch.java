package labkit.cluster;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Watches a standby for the moment it leaves recovery (a failover manager promoted it): asks
 * {@code pg_is_in_recovery()} every {@link #EVERY} on one connection, reopened when it breaks,
 * and stamps the first "false" on the lab clock. The moment is known to within one poll.
 */
public final class PromotionWatch implements AutoCloseable {
    public static final Duration EVERY = Duration.ofMillis(20);

    private final Node node;
    private final long originNanos;
    private final CountDownLatch promoted = new CountDownLatch(1);
    private volatile long promotedNanos;
    private volatile boolean closed;

    private PromotionWatch(Node node, long originNanos) {
        this.node = node;
        this.originNanos = originNanos;
    }

    /** Starts polling {@code node}; times count from {@code originNanos} (the lab clock's origin). */
    public static PromotionWatch start(Node node, long originNanos) {
        var watch = new PromotionWatch(node, originNanos);
        Thread.ofVirtual().name("promotion-watch-" + node.name()).start(watch::poll);
        return watch;
    }

    private void poll() {
        while (!closed) {
            try (var c = node.connect(); var st = c.createStatement()) {
                while (!closed) {
                    try (var rs = st.executeQuery("SELECT pg_is_in_recovery()")) {
                        if (rs.next() && !rs.getBoolean(1)) {
                            promotedNanos = System.nanoTime() - originNanos;
                            promoted.countDown();
                            return;
                        }
                    }
                    Wait.sleep(EVERY);
                }
            } catch (java.sql.SQLException | LabException e) {
                Wait.sleep(EVERY); // the node restarts or refuses for a moment: ask again
            }
        }
    }

    /** When the node left recovery (lab clock, ns), waiting up to {@code timeout}; empty if it did not. */
    public OptionalLong await(Duration timeout) {
        try {
            return promoted.await(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalLong.of(promotedNanos)
                    : OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
