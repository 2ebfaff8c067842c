//DEPS org.hdrhistogram:HdrHistogram:2.2.2
//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.measure;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import labkit.cluster.LabException;
import labkit.cluster.Link;
import labkit.cluster.Node;
import labkit.cluster.Sql;
import org.HdrHistogram.Histogram;

/**
 * The link's round trip, measured: a query the primary answers at once ({@value #PING}), sent a
 * few times a second over a connection through the link and timed from request to reply. It
 * crosses the same relay, delays and bandwidth as the WAL, so it includes what the relay and a
 * busy machine add to the configured delay: the least a synchronous commit waits for the standby.
 * The probe ends quietly when the primary or the link goes (a fault); a query that fails on a
 * primary that answers is an error, with the query named.
 */
public final class LinkProbe extends Sampler {
    static final String PING = "SELECT 1";

    private final Node primary;
    private final Link link;
    private final Duration every;
    private final List<Double> roundTripsMs = new CopyOnWriteArrayList<>();
    private final long startedNanos = System.nanoTime();
    private volatile long firstSentNanos;
    private volatile long lastDoneNanos;

    private LinkProbe(Node primary, Link link, Duration every) {
        this.primary = primary;
        this.link = link;
        this.every = every;
        start("link-probe");
    }

    /** Pings {@code primary} through {@code link} every {@code every} until closed. */
    public static LinkProbe start(Node primary, Link link, Duration every) {
        return new LinkProbe(primary, link, every);
    }

    @Override
    protected void loop() {
        try (Connection c = primary.connectThrough(link); var ping = c.prepareStatement(PING)) {
            long next = System.nanoTime();
            while (running()) {
                long sent = System.nanoTime();
                try (var rs = ping.executeQuery()) {
                    rs.next();
                }
                long done = System.nanoTime();
                if (roundTripsMs.isEmpty()) {
                    firstSentNanos = sent;
                }
                lastDoneNanos = done;
                roundTripsMs.add((done - sent) / 1e6);
                next += every.toNanos();
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        } catch (SQLException e) {
            if (!Sql.connectionLost(e)) {
                fail(new LabException("the round-trip probe failed on " + primary.name() + " through the link "
                        + link + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + " (" + PING + ")", e));
            }
        }
    }

    /** The round trips so far, in HdrHistogram ({@link Latency#of}). */
    public Histogram histogram() {
        rethrow();
        return Latency.of(List.copyOf(roundTripsMs));
    }

    /**
     * From the first round trip to the last, on the lab clock whose origin is {@code origin}: the
     * probe runs until the link or the primary goes, which the caller names ({@code to}, e.g. "fault").
     * Without a round trip the window has no length, at the probe's start: it measured nothing.
     */
    public Window window(long origin, String to) {
        rethrow();
        if (roundTripsMs.isEmpty()) {
            double started = (startedNanos - origin) / 1e9;
            return new Window("link probe start", started, to, started);
        }
        return new Window("link probe start", (firstSentNanos - origin) / 1e9, to, (lastDoneNanos - origin) / 1e9);
    }

    /** {p50, p90, samples} in ms for summary.json (link.rttMs); p50 and p90 are null without a sample. */
    public ObjectNode json() {
        Histogram h = histogram();
        var node = JsonNodeFactory.instance.objectNode();
        boolean measured = h.getTotalCount() > 0;
        node.put("p50", measured ? Latency.round(Latency.percentileMs(h, 50)) : null);
        node.put("p90", measured ? Latency.round(Latency.percentileMs(h, 90)) : null);
        node.put("samples", h.getTotalCount());
        return node;
    }
}
