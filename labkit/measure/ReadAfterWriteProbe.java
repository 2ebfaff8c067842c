package labkit.measure;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import labkit.cluster.LabException;
import labkit.cluster.Lsn;
import labkit.cluster.Node;
import labkit.cluster.ReplayWait;
import labkit.workload.CustomerRentals;

/**
 * Read-after-write, probed: each client owns a customer; it rents a film on the primary, then
 * opens the customer's "my rentals" page at once and again {@code readEvery} later, and later
 * still ({@code readsPerWrite} reads in all), before its next rental. Every rental and every read
 * goes into a {@link History}; the {@link Fix} says what the client does to see its own writes.
 */
public final class ReadAfterWriteProbe {
    private static final Duration TOKEN_TIMEOUT = Duration.ofSeconds(10);

    public enum Fix {
        /** Read from the standby as it is. */
        NONE,
        /** An LSN token taken inside the writing transaction (RETURNING pg_current_wal_lsn()): before its commit. */
        LSN_TOKEN_BEFORE_COMMIT,
        /** An LSN token read after the commit (pg_current_wal_insert_lsn()); the standby read waits until it is replayed. */
        LSN_TOKEN,
        /** The writer's session runs with synchronous_commit = remote_apply (the lab decides whether the standby is named). */
        REMOTE_APPLY,
        /** Reads within the routing window after the client's own write go to the primary. */
        ROUTING
    }

    /**
     * @param clients       clients, one customer each (customers 1..clients)
     * @param readsPerWrite reads after each rental: the first at once, the others {@code readEvery} apart
     * @param routingWindow for ROUTING: how long after its write a client reads from the primary
     */
    public record Settings(int clients, Duration duration, int readsPerWrite, Duration readEvery, Duration routingWindow) {
        public Settings {
            if (clients < 1 || readsPerWrite < 1 || duration.isNegative() || readEvery.isNegative()) {
                throw new IllegalArgumentException("a probe needs at least one client and one read per write");
            }
        }
    }

    private final Node primary;
    private final Node standby;
    private final CustomerRentals rentals;
    private final Settings settings;
    private final long originNanos;

    /** @param originNanos the lab's clock origin: history times count from it */
    public ReadAfterWriteProbe(Node primary, Node standby, CustomerRentals rentals, Settings settings, long originNanos) {
        this.primary = primary;
        this.standby = standby;
        this.rentals = rentals;
        this.settings = settings;
        this.originNanos = originNanos;
    }

    /** Runs the clients for the probe's time with {@code fix}; their operations are the history {@code name}. */
    public History run(String name, Fix fix) {
        var history = new History(name, originNanos);
        long cycleNanos = settings.readsPerWrite() * settings.readEvery().toNanos();
        ProbeClients.run(settings.clients(), settings.duration(), (index, end) -> {
            int customer = index + 1;
            String client = "c" + customer;
            String key = CustomerRentals.key(customer);
            try (Connection p = primary.connect(); Connection s = standby.connect()) {
                if (fix == Fix.REMOTE_APPLY) {
                    try (var st = p.createStatement()) {
                        st.execute("SET synchronous_commit = remote_apply");
                    }
                }
                ReplayWait.Method waitMethod = ReplayWait.methodOf(s);
                while (System.nanoTime() < end) {
                    long cycle = System.nanoTime();
                    var written = rentals.rent(p, customer, fix == Fix.LSN_TOKEN_BEFORE_COMMIT);
                    Lsn token = switch (fix) {
                        case LSN_TOKEN_BEFORE_COMMIT -> written.lsn();
                        case LSN_TOKEN -> Lsn.current(p);
                        default -> null;
                    };
                    long acked = System.nanoTime();
                    history.add(Op.write(client, key, written.rentalId(), primary.name(), cycle, acked, Op.Outcome.OK,
                            token == null ? null : token.toString()));
                    for (int k = 0; k < settings.readsPerWrite(); k++) {
                        ProbeClients.sleepUntil(cycle + k * settings.readEvery().toNanos());
                        long start = System.nanoTime();
                        boolean toPrimary = fix == Fix.ROUTING && start - acked < settings.routingWindow().toNanos();
                        if (token != null) {
                            ReplayWait.await(s, waitMethod, token, TOKEN_TIMEOUT);
                        }
                        var seen = CustomerRentals.newest(toPrimary ? p : s, customer);
                        history.add(Op.read(client, key, seen.rentalId(), (toPrimary ? primary : standby).name(), start,
                                System.nanoTime(), Op.Outcome.OK, seen.lsn().toString()));
                    }
                    ProbeClients.sleepUntil(cycle + cycleNanos);
                }
            }
        });
        return history;
    }

    /** How LSN_TOKEN waits on the standby: WAIT FOR LSN where the server has it. */
    public ReplayWait.Method waitMethod() {
        try (Connection s = standby.connect()) {
            return ReplayWait.methodOf(s);
        } catch (SQLException e) {
            throw new LabException("cannot reach " + standby.name() + ": " + e.getMessage());
        }
    }
}
