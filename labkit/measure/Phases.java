//DEPS org.hdrhistogram:HdrHistogram:2.2.2
package labkit.measure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import labkit.cluster.LabException;
import labkit.cluster.Link;
import labkit.cluster.Node;
import labkit.cluster.Wait;
import labkit.workload.Ledger;
import org.HdrHistogram.Histogram;

/**
 * One workload run cut into phases, each of which changes the write path (another route, a
 * switch turned) and is measured on its own: the writes that arrived during it, the WAL the
 * leader wrote meanwhile and, for each replication mechanism it measures, the bytes on all the
 * mechanism's links and its follower's lag by key ({@link KeyLag}), both counted until the
 * follower shows the last write of the phase.
 */
public final class Phases implements AutoCloseable {
    private final Node leader;
    private final Ledger ledger;
    private final long origin;
    private final Duration poll;
    private final Duration drainTimeout;
    private final ExecutorService drains = Executors.newVirtualThreadPerTaskExecutor();

    /** A replication mechanism: the follower it feeds and the links its connections cross, by name. */
    public record Mechanism(String name, Node follower, Map<String, Link> links) {}

    /** What a mechanism did for a phase: its follower's lag, and the bytes both ways on each of its links. */
    public record Drained(KeyLag.Result lag, Map<String, Long> linkBytes) {
        public long bytes() {
            return linkBytes.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** One phase on the lab clock (ns since the lab started), with the leader's WAL during it. */
    public record Phase(String name, long startNanos, long endNanos, Wal wal,
                        Map<String, CompletableFuture<Drained>> measured) {
        public boolean contains(Ledger.Write w) {
            return w.intendedNanos() >= startNanos && w.intendedNanos() < endNanos;
        }

        /** Acknowledged writes that arrived during the phase. */
        public long writes(Ledger ledger) {
            return ledger.writes().stream().filter(w -> w.outcome() == Ledger.Outcome.OK && contains(w)).count();
        }

        /** {@code bytes} per 1,000 acknowledged writes of the phase; null when it had none. */
        public Long per1000(Ledger ledger, long bytes) {
            long n = writes(ledger);
            return n == 0 ? null : bytes * 1000 / n;
        }

        /** Latency of its acknowledged writes, leaving out those that arrived in its first {@code warmUp}. */
        public Histogram latency(Ledger ledger, Duration warmUp) {
            long from = startNanos + warmUp.toNanos();
            return Latency.of(ledger.writes().stream().filter(w -> w.outcome() == Ledger.Outcome.OK && contains(w)
                    && w.intendedNanos() >= from).map(Ledger.Write::latencyMs).toList());
        }

        /** Waits for the follower of {@code mechanism} to have every write of the phase (or the drain timeout). */
        public Drained drained(String mechanism) {
            try {
                return measured.get(mechanism).get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LabException("interrupted");
            } catch (ExecutionException e) {
                throw new LabException("measuring " + mechanism + " in phase " + name + " failed: " + e.getCause().getMessage(),
                        e.getCause());
            }
        }
    }

    /**
     * @param leader       the node whose WAL is measured (needs pg_walinspect: {@link Wal#inspect})
     * @param ledger       the workload's ledger
     * @param origin       the lab clock's origin (ledger times count from it)
     * @param poll         the rest between two lag-polling rounds
     * @param drainTimeout how long a follower may take to show every write of a phase
     */
    public Phases(Node leader, Ledger ledger, long origin, Duration poll, Duration drainTimeout) {
        this.leader = leader;
        this.ledger = ledger;
        this.origin = origin;
        this.poll = poll;
        this.drainTimeout = drainTimeout;
    }

    /** Turns the write path with {@code route}, then measures {@code length} of the workload and {@code mechanisms}. */
    public Phase run(String name, Duration length, Runnable route, List<Mechanism> mechanisms) {
        route.run();
        long start = System.nanoTime() - origin;
        long[] end = {Long.MAX_VALUE};
        var lags = new LinkedHashMap<String, KeyLag>();
        var bytesAtStart = new LinkedHashMap<String, Map<String, Long>>();
        for (Mechanism m : mechanisms) {
            bytesAtStart.put(m.name(), bytes(m.links()));
            lags.put(m.name(), KeyLag.start(m.follower(), ledger, w -> w.intendedNanos() >= start && w.intendedNanos() < end[0],
                    origin, poll, () -> bytes(m.links())));
        }
        String walFrom = Wal.flushed(leader);
        Wait.sleep(length);
        String walTo = Wal.flushed(leader);
        end[0] = System.nanoTime() - origin;
        var measured = new LinkedHashMap<String, CompletableFuture<Drained>>();
        for (Mechanism m : mechanisms) {
            KeyLag lag = lags.get(m.name());
            measured.put(m.name(), CompletableFuture.supplyAsync(() -> {
                var result = lag.finish(drainTimeout);
                // the bytes up to the moment the follower showed the phase's last write: later ones carry the next phase
                var atEnd = result.meterAtLastSeen() != null ? result.meterAtLastSeen() : bytes(m.links());
                var delta = new LinkedHashMap<String, Long>();
                atEnd.forEach((link, b) -> delta.put(link, b - bytesAtStart.get(m.name()).get(link)));
                return new Drained(result, delta);
            }, drains));
        }
        return new Phase(name, start, end[0], Wal.between(leader, walFrom, walTo), measured);
    }

    @Override
    public void close() {
        drains.close();
    }

    private static Map<String, Long> bytes(Map<String, Link> links) {
        var bytes = new LinkedHashMap<String, Long>();
        links.forEach((name, l) -> bytes.put(name, l.bytesToStandby() + l.bytesFromStandby()));
        return bytes;
    }
}
