package labkit.workload;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import labkit.cluster.Node;
import labkit.cluster.Sql;

/**
 * The built-in load driver. Open model: operations arrive on a fixed schedule whatever the
 * server does, and are served by a pool of virtual users ({@link ConnectionPool}, one connection
 * each) on virtual threads. A stalled server therefore shows as growing latency, measured from
 * each operation's intended start, never as fewer requests (no coordinated omission).
 */
public final class Workload implements LoadDriver {
    private static final long GRACE_MILLIS = 3_000;

    private final long origin;
    private final double writeRate;
    private final double readRate;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final Ledger ledger = new Ledger();
    private final Queue<Read> reads = new ConcurrentLinkedQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong notSent = new AtomicLong();
    private final ExecutorService operations = Executors.newVirtualThreadPerTaskExecutor();
    private final ConnectionPool writers;
    private final ConnectionPool readers;
    private final List<Thread> schedules = new ArrayList<>();
    private volatile Endpoint writeEndpoint;
    private volatile boolean stopping;
    private Endpoint readEndpoint;
    private PagilaOps.Ranges ranges;
    private Results results;

    /**
     * @param origin    the lab clock's origin (System.nanoTime() at the lab's start): ledger times count from it
     * @param writeRate writes arriving per second (0: none)
     * @param readRate  reads arriving per second (0: none)
     * @param users     virtual users (connections) per operation type
     */
    public Workload(long origin, double writeRate, double readRate, int users) {
        this.origin = origin;
        this.writeRate = writeRate;
        this.readRate = readRate;
        this.writers = new ConnectionPool(users);
        this.readers = new ConnectionPool(users);
    }

    @Override
    public void start(Node writeTo, Node readFrom) {
        start(Endpoint.of(writeTo), Endpoint.of(readFrom));
    }

    /**
     * Starts both schedules through endpoints, e.g. writes through a multi-host URL that finds
     * the primary by itself: the ledger then records the node each write reached.
     */
    public void start(Endpoint writeTo, Endpoint readFrom) {
        this.writeEndpoint = writeTo;
        this.readEndpoint = readFrom;
        this.ranges = PagilaOps.Ranges.of(writeTo.anyNode());
        writers.connectAll(writeTo);
        readers.connectAll(readFrom);
        if (writeRate > 0) {
            schedules.add(Thread.ofPlatform().name("write-arrivals").daemon().start(() -> arrive(writeRate, this::write)));
        }
        if (readRate > 0) {
            schedules.add(Thread.ofPlatform().name("read-arrivals").daemon().start(() -> arrive(readRate, this::read)));
        }
    }

    @Override
    public void reroute(Node writeTo) {
        this.writeEndpoint = Endpoint.of(writeTo);
    }

    @Override
    public Ledger ledger() {
        return ledger;
    }

    @Override
    public synchronized Results stop() {
        if (results != null) {
            return results;
        }
        stopping = true;
        // a schedule waits for its next arrival, however far off at a low rate: wake it to see the stop
        schedules.forEach(LockSupport::unpark);
        schedules.forEach(Workload::join);
        operations.shutdown();
        try {
            if (!operations.awaitTermination(GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                // Still waiting (a stalled commit, a dead server): break the connections. What was
                // sent becomes "unknown"; what never got a connection is not sent at all.
                writers.abandon();
                readers.abandon();
                operations.awaitTermination(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writers.closeAll();
        readers.closeAll();
        results = new Results(ledger, List.copyOf(reads), notSent.get());
        return results;
    }

    /** Submits one operation per period, at its intended time, whatever the earlier ones are doing. */
    private void arrive(double perSecond, LongConsumer operation) {
        long period = (long) (1e9 / perSecond);
        long first = System.nanoTime();
        for (long i = 0; !stopping; i++) {
            long intended = first + i * period;
            long wait = intended - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (stopping) {
                return;
            }
            operations.execute(() -> operation.accept(intended));
        }
    }

    private void write(long intended) {
        ConnectionPool.Slot slot = writers.take();
        if (slot == null) {
            notSent.incrementAndGet();
            return;
        }
        String key = runId + "-" + sequence.incrementAndGet();
        Endpoint target = writeEndpoint;
        try {
            Connection c;
            try {
                c = slot.connect(target);
            } catch (SQLException e) {
                long now = System.nanoTime();
                ledger.record(new Ledger.Write(key, intended - origin, now - origin, now - origin,
                        Ledger.Outcome.FAILED, target.name(), firstLine(e)));
                return;
            }
            long sent = System.nanoTime();
            Ledger.Outcome outcome;
            String error = null;
            try (var ps = PagilaOps.write(c, ranges, key)) {
                ps.executeUpdate();
                SQLWarning warning = ps.getWarnings();
                // A commit whose wait for the sync standby was cancelled is committed locally but maybe
                // not replicated: the server says so in a warning. That acknowledgement is indeterminate.
                if (warning != null && String.valueOf(warning.getMessage()).contains("synchronous replication")) {
                    outcome = Ledger.Outcome.UNKNOWN;
                    error = warning.getMessage();
                } else {
                    outcome = Ledger.Outcome.OK;
                }
            } catch (SQLException e) {
                boolean lost = Sql.connectionLost(e); // after the statement left: the outcome is unknown
                if (lost) {
                    slot.discard();
                }
                outcome = lost ? Ledger.Outcome.UNKNOWN : Ledger.Outcome.FAILED;
                error = firstLine(e);
            }
            long done = System.nanoTime();
            ledger.record(new Ledger.Write(key, intended - origin, sent - origin, done - origin, outcome,
                    target.nodeOf(c), error));
        } finally {
            writers.release(slot);
        }
    }

    private void read(long intended) {
        ConnectionPool.Slot slot = readers.take();
        if (slot == null) {
            notSent.incrementAndGet();
            return;
        }
        boolean ok;
        try {
            Connection c = slot.connect(readEndpoint);
            try (var ps = PagilaOps.read(c, ranges); var rs = ps.executeQuery()) {
                while (rs.next()) {
                    // read the page the user browses
                }
            }
            ok = true;
        } catch (SQLException e) {
            if (Sql.connectionLost(e)) {
                slot.discard();
            }
            ok = false;
        } finally {
            readers.release(slot);
        }
        reads.add(new Read(intended - origin, System.nanoTime() - origin, ok));
    }

    private static String firstLine(SQLException e) {
        return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
