package labkit.measure;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import labkit.cluster.Lsn;
import labkit.cluster.Node;
import labkit.cluster.ReplayWait;
import labkit.workload.CustomerRentals;

/**
 * Monotonic reads, probed: one writer rents films for a few customers in turn on the primary,
 * while readers, one per customer, refresh that customer's "my rentals" page from the standbys.
 * The {@link Routing} says how a reader picks the standby; every operation goes into a {@link History}.
 */
public final class MonotonicReadsProbe {

    public enum Routing {
        /** A load balancer: each read goes to the next standby in turn. */
        BALANCED,
        /** A sticky session: each reader always reads from the same standby. */
        STICKY,
        /**
         * The reader keeps the highest WAL position it has seen and reads only from a standby that
         * has replayed at least that much: the next in turn if it has, else another, else the primary.
         */
        LSN_HIGH_WATER
    }

    /**
     * @param readers    readers, one customer each (customers 1..readers), all rented for by one writer
     * @param writeEvery time between two rentals of the writer (each customer's turn comes every readers × writeEvery)
     * @param readEvery  time between two reads of a reader
     */
    public record Settings(int readers, Duration duration, Duration writeEvery, Duration readEvery) {
        public Settings {
            if (readers < 1 || writeEvery.isNegative() || writeEvery.isZero() || readEvery.isNegative() || readEvery.isZero()) {
                throw new IllegalArgumentException("a probe needs at least one reader and times > 0");
            }
        }
    }

    private final Node primary;
    private final List<Node> standbys;
    private final CustomerRentals rentals;
    private final Settings settings;
    private final long originNanos;

    /** @param originNanos the lab's clock origin: history times count from it */
    public MonotonicReadsProbe(Node primary, List<Node> standbys, CustomerRentals rentals, Settings settings,
                               long originNanos) {
        if (standbys.isEmpty()) {
            throw new IllegalArgumentException("monotonic reads need standbys to read from");
        }
        this.primary = primary;
        this.standbys = List.copyOf(standbys);
        this.rentals = rentals;
        this.settings = settings;
        this.originNanos = originNanos;
    }

    /** Runs the writer and the readers for the probe's time with {@code routing}; their operations are the history {@code name}. */
    public History run(String name, Routing routing) {
        var history = new History(name, originNanos);
        ProbeClients.run(settings.readers() + 1, settings.duration(), (index, end) -> {
            if (index == settings.readers()) {
                write(history, end);
            } else {
                read(history, index, routing, end);
            }
        });
        return history;
    }

    private void write(History history, long end) throws SQLException {
        try (Connection p = primary.connect()) {
            long next = System.nanoTime();
            for (long n = 0; System.nanoTime() < end; n++) {
                int customer = 1 + (int) (n % settings.readers());
                long start = System.nanoTime();
                var written = rentals.rent(p, customer, false);
                history.add(Op.write("writer", CustomerRentals.key(customer), written.rentalId(), primary.name(), start,
                        System.nanoTime(), Op.Outcome.OK, null));
                next += settings.writeEvery().toNanos();
                ProbeClients.sleepUntil(next);
            }
        }
    }

    private void read(History history, int index, Routing routing, long end) throws SQLException {
        int customer = index + 1;
        var connections = new ArrayList<Connection>();
        try (Connection p = primary.connect()) {
            for (Node standby : standbys) {
                connections.add(standby.connect());
            }
            Lsn highWater = Lsn.ZERO;
            long next = System.nanoTime();
            for (int n = index; System.nanoTime() < end; n++) {
                long start = System.nanoTime();
                int turn = routing == Routing.STICKY ? index % standbys.size() : n % standbys.size();
                int pick = routing == Routing.LSN_HIGH_WATER ? caughtUp(connections, turn, highWater) : turn;
                Connection c = pick < 0 ? p : connections.get(pick);
                var seen = CustomerRentals.newest(c, customer);
                highWater = Lsn.max(highWater, seen.lsn());
                history.add(Op.read("r" + customer, CustomerRentals.key(customer), seen.rentalId(),
                        (pick < 0 ? primary : standbys.get(pick)).name(), start, System.nanoTime(), Op.Outcome.OK,
                        seen.lsn().toString()));
                next += settings.readEvery().toNanos();
                ProbeClients.sleepUntil(next);
            }
        } finally {
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    /** The first standby from {@code turn} on that has replayed {@code highWater}, or -1 (read from the primary). */
    private static int caughtUp(List<Connection> standbys, int turn, Lsn highWater) throws SQLException {
        for (int i = 0; i < standbys.size(); i++) {
            int candidate = (turn + i) % standbys.size();
            if (ReplayWait.replayed(standbys.get(candidate), highWater)) {
                return candidate;
            }
        }
        return -1;
    }
}
