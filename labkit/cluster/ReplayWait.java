package labkit.cluster;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/**
 * A client's wait on a standby until it has replayed a WAL position (its read-your-writes
 * token): PostgreSQL 19's {@code WAIT FOR LSN} where the server has it, else polling
 * {@code pg_last_wal_replay_lsn()} every millisecond on the client's own connection.
 */
public final class ReplayWait {
    private static final Duration POLL = Duration.ofMillis(1);

    /** How a connection waits: "WAIT FOR LSN" or "polling pg_last_wal_replay_lsn()". */
    public enum Method {
        WAIT_FOR_LSN("WAIT FOR LSN"), POLL_REPLAY_LSN("polling pg_last_wal_replay_lsn()");

        private final String description;

        Method(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private ReplayWait() {}

    /** WAIT FOR LSN exists from PostgreSQL 19 on. */
    public static Method methodOf(Connection standby) throws SQLException {
        return standby.getMetaData().getDatabaseMajorVersion() >= 19 ? Method.WAIT_FOR_LSN : Method.POLL_REPLAY_LSN;
    }

    /** Returns once {@code standby} has replayed {@code target}; a LabException after {@code timeout}. */
    public static void await(Connection standby, Method method, Lsn target, Duration timeout) throws SQLException {
        if (method == Method.WAIT_FOR_LSN) {
            try (var st = standby.createStatement()) {
                st.execute("WAIT FOR LSN '" + target + "' WITH (TIMEOUT '" + timeout.toMillis() + "ms')");
            }
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!replayed(standby, target)) {
            if (System.nanoTime() > deadline) {
                throw new LabException("the standby did not replay " + target + " within " + timeout.toMillis() + " ms");
            }
            Wait.sleep(POLL);
        }
    }

    /** Whether {@code standby} has replayed {@code target} already. */
    public static boolean replayed(Connection standby, Lsn target) throws SQLException {
        try (var ps = standby.prepareStatement("SELECT pg_last_wal_replay_lsn() >= ?::pg_lsn")) {
            ps.setString(1, target.toString());
            try (var rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }
}
