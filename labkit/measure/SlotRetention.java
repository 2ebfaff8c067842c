//DEPS org.postgresql:postgresql:42.7.8
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.measure;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import labkit.cluster.Node;
import labkit.cluster.NodeRuntime;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * How far behind a standby is, as its primary sees it, sampled about ten times a second: the
 * primary's current WAL position minus the {@code restart_lsn} of the standby's physical slot,
 * which is the WAL the slot makes the primary keep. The primary knows it while the standby is
 * down, when the standby itself cannot say. {@code wal_status} and {@code safe_wal_size} say how
 * long that can go on: past max_slot_wal_keep_size the slot is "unreserved", then invalidated ("lost")
 * by the checkpoint that removes its WAL, and the standby needs a new base backup unless it can read
 * that WAL from an archive. A sample the primary does not answer is left out.
 */
public final class SlotRetention implements AutoCloseable {

    /** One answer of the primary; safeWalSize is null when max_slot_wal_keep_size is unlimited (-1). */
    public record Sample(double t, long retainedBytes, String walStatus, Long safeWalSize, boolean active) {}

    /** The slot as a student looks at it in psql. */
    public static final String SHOW_SLOT = "SELECT slot_name, active, wal_status, "
            + "pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) AS retained, "
            + "pg_size_pretty(safe_wal_size) AS safe_wal_size FROM pg_replication_slots";

    static final String QUERY = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, wal_status, "
            + "safe_wal_size, active FROM pg_replication_slots WHERE slot_name = ?";

    private final long origin;
    private final Node primary;
    private final String slot;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService every = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("slot-retention").factory());
    private Connection connection;

    private SlotRetention(long origin, Node primary, String standbyName, Duration period) {
        this.origin = origin;
        this.primary = primary;
        this.slot = NodeRuntime.slotName(standbyName);
        every.scheduleAtFixedRate(this::sample, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Samples the slot of {@code standbyName} on {@code primary} every {@code period} until closed; times on the lab clock. */
    public static SlotRetention start(long origin, Node primary, String standbyName, Duration period) {
        return new SlotRetention(origin, primary, standbyName, period);
    }

    public String slot() { return slot; }

    public Node primary() { return primary; }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** The times of the samples (s on the lab clock), for a chart. */
    public double[] times() {
        return samples.stream().mapToDouble(Sample::t).toArray();
    }

    /** What the slot held back at each of {@link #times()}, in bytes. */
    public double[] retainedBytes() {
        return samples.stream().mapToDouble(Sample::retainedBytes).toArray();
    }

    private void sample() {
        double t = (System.nanoTime() - origin) / 1e9;
        try {
            if (connection == null) {
                connection = primary.connect();
            }
            try (var ps = connection.prepareStatement(QUERY)) {
                ps.setString(1, slot);
                try (var rs = ps.executeQuery()) {
                    if (rs.next() && rs.getString(1) != null) {
                        long safe = rs.getLong(3);
                        Long safeWalSize = rs.wasNull() ? null : safe;
                        samples.add(new Sample(t, rs.getLong(1), rs.getString(2), safeWalSize, rs.getBoolean(4)));
                    }
                }
            }
        } catch (SQLException e) {
            // the primary is down (a failover): no sample until it answers again
            closeConnection();
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    /** The samples as a table: t_s, slot_name, retained_bytes, wal_status, safe_wal_size, active. */
    public Table table() {
        var t = DoubleColumn.create("t_s");
        var name = StringColumn.create("slot_name");
        var retained = DoubleColumn.create("retained_bytes");
        var status = StringColumn.create("wal_status");
        var safe = DoubleColumn.create("safe_wal_size");
        var active = StringColumn.create("active");
        for (Sample s : samples) {
            t.append(s.t());
            name.append(slot);
            retained.append(s.retainedBytes());
            status.append(s.walStatus());
            safe.appendObj(s.safeWalSize() == null ? null : s.safeWalSize().doubleValue());
            active.append(String.valueOf(s.active()));
        }
        return Table.create("slot " + slot + " on " + primary.name(), t, name, retained, status, safe, active);
    }

    @Override
    public void close() {
        every.shutdown();
        try {
            every.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
