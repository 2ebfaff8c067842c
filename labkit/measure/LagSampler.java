//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.measure;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import labkit.cluster.LabException;
import labkit.cluster.Node;
import labkit.cluster.Sql;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Samples replication lag about ten times a second: the primary's pg_stat_replication row for
 * the standby (write/flush/replay lag, sent − replay bytes) and how far the standby's replay is
 * behind the primary's current WAL position, asked of each node. A node that does not answer
 * (down, or its connection broken) leaves its columns empty in that sample and sampling goes on;
 * a query that fails on a node that answers is an error of the kit, reported with the query.
 */
public final class LagSampler extends Sampler {

    /** One sample; lag values are null when the node or the replication row was not there. */
    public record Sample(double t, Double writeLagMs, Double flushLagMs, Double replayLagMs, Double sentMinusReplayBytes,
                         Double bytesBehind, String state, String syncState) {}

    private static final String PRIMARY_QUERY = """
            SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), ?::pg_lsn),
                   (SELECT extract(epoch FROM write_lag) * 1000 FROM pg_stat_replication WHERE application_name = ?),
                   (SELECT extract(epoch FROM flush_lag) * 1000 FROM pg_stat_replication WHERE application_name = ?),
                   (SELECT extract(epoch FROM replay_lag) * 1000 FROM pg_stat_replication WHERE application_name = ?),
                   (SELECT pg_wal_lsn_diff(sent_lsn, replay_lsn) FROM pg_stat_replication WHERE application_name = ?),
                   (SELECT state FROM pg_stat_replication WHERE application_name = ?),
                   (SELECT sync_state FROM pg_stat_replication WHERE application_name = ?)""";

    private static final String STANDBY_QUERY = "SELECT pg_last_wal_replay_lsn()::text";

    private final long origin;
    private final Node primary;
    private final Node standby;
    private final Duration every;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private Connection onPrimary;
    private Connection onStandby;

    private LagSampler(long origin, Node primary, Node standby, Duration every) {
        this.origin = origin;
        this.primary = primary;
        this.standby = standby;
        this.every = every;
        start("lag-sampler");
    }

    /**
     * Samples every {@code every} until closed; {@code origin} is the lab clock's origin (System.nanoTime()
     * at the lab's start), so that a sample's time is on the same axis as the ledger's.
     */
    public static LagSampler start(long origin, Node primary, Node standby, Duration every) {
        return new LagSampler(origin, primary, standby, every);
    }

    public List<Sample> samples() {
        rethrow();
        return List.copyOf(samples);
    }

    /** The newest sample, or null before the first one. */
    public Sample latest() {
        rethrow();
        return samples.isEmpty() ? null : samples.get(samples.size() - 1);
    }

    @Override
    protected void loop() {
        long next = System.nanoTime();
        while (running()) {
            Sample sample = sample();
            if (!running()) {
                break; // closed, or the sample's query failed: no half sample
            }
            samples.add(sample);
            next += every.toNanos();
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            }
        }
        close(onPrimary);
        close(onStandby);
    }

    /**
     * The standby's replay position is read first, the primary's current position second, so the
     * distance between them is never negative (it may include what was written in between).
     */
    private Sample sample() {
        double t = (System.nanoTime() - origin) / 1e9;
        String replayLsn = null;
        try {
            onStandby = open(onStandby, standby);
            try (var st = onStandby.createStatement();
                 ResultSet rs = st.executeQuery(STANDBY_QUERY)) {
                rs.next();
                replayLsn = rs.getString(1);
            }
        } catch (SQLException e) {
            close(onStandby);
            onStandby = null;
            failOnQueryError(standby, STANDBY_QUERY, e);
        }
        Double behind = null, write = null, flush = null, replay = null, sentMinusReplay = null;
        String state = "unreachable", sync = null;
        try {
            onPrimary = open(onPrimary, primary);
            try (PreparedStatement ps = onPrimary.prepareStatement(PRIMARY_QUERY)) {
                ps.setString(1, replayLsn);
                for (int i = 2; i <= 7; i++) {
                    ps.setString(i, standby.name());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    behind = number(rs, 1);
                    write = number(rs, 2);
                    flush = number(rs, 3);
                    replay = number(rs, 4);
                    sentMinusReplay = number(rs, 5);
                    state = rs.getString(6) == null ? "disconnected" : rs.getString(6);
                    sync = rs.getString(7);
                }
            }
        } catch (SQLException e) {
            close(onPrimary);
            onPrimary = null;
            failOnQueryError(primary, PRIMARY_QUERY, e);
        }
        return new Sample(t, write, flush, replay, sentMinusReplay, behind, state, sync);
    }

    /** A node that is down is part of the lab; a query that fails on a node that answers is not: stop, and say which. */
    private void failOnQueryError(Node node, String query, SQLException e) {
        if (!Sql.connectionLost(e)) {
            String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            String oneLine = query.replaceAll("\\s+", " ").strip();
            fail(new LabException("the lag query failed on " + node.name() + ": " + message + " (" + oneLine + ")", e));
        }
    }

    private static Connection open(Connection current, Node node) throws SQLException {
        return current != null ? current : node.connect();
    }

    private static Double number(ResultSet rs, int column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // broken already
            }
        }
    }

    /** The samples as a table, snake_case columns named after what they come from. */
    public Table table() {
        rethrow();
        var t = DoubleColumn.create("t_s");
        var write = DoubleColumn.create("write_lag_ms");
        var flush = DoubleColumn.create("flush_lag_ms");
        var replay = DoubleColumn.create("replay_lag_ms");
        var sent = DoubleColumn.create("sent_minus_replay_bytes");
        var behind = DoubleColumn.create("replay_behind_bytes");
        var state = StringColumn.create("state");
        var sync = StringColumn.create("sync_state");
        for (Sample s : samples) {
            t.append(s.t());
            write.appendObj(s.writeLagMs());
            flush.appendObj(s.flushLagMs());
            replay.appendObj(s.replayLagMs());
            sent.appendObj(s.sentMinusReplayBytes());
            behind.appendObj(s.bytesBehind());
            state.appendObj(s.state());
            sync.appendObj(s.syncState());
        }
        return Table.create("lag", t, write, flush, replay, sent, behind, state, sync);
    }
}
