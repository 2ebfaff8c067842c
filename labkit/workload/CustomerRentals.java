package labkit.workload;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import labkit.cluster.Lsn;
import labkit.cluster.Node;
import labkit.cluster.Sql;

/**
 * A customer's rentals seen as a register, for the consistency probes: renting a film writes a
 * new version (its rental_id, which only grows), the customer's "my rentals" page reads the
 * newest version a node has. With one client renting for each customer, a version below one
 * the client knows of is an old page.
 */
public final class CustomerRentals {
    /** "My rentals" finds the newest rental by index, on any node (the index replicates). */
    public static final String INDEX = "CREATE INDEX IF NOT EXISTS rental_customer_newest ON rental (customer_id, rental_id)";

    private static final String RENT = """
            INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id)
            VALUES (now(), ?, ?, ?) RETURNING rental_id""";
    /** The WAL written so far (the write position), taken inside the transaction: before its commit record. */
    private static final String RENT_RETURNING_LSN = RENT + ", pg_current_wal_lsn()";
    private static final String NEWEST = """
            SELECT coalesce(max(rental_id), 0),
                   CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END
            FROM rental WHERE customer_id = ?""";

    /** A version written or read, and the WAL position that came with it (null when not asked for). */
    public record Version(long rentalId, Lsn lsn) {}

    private final PagilaOps.Ranges ranges;

    private CustomerRentals(PagilaOps.Ranges ranges) {
        this.ranges = ranges;
    }

    /** Creates the index on the primary (before its standbys are made, or it replicates) and reads the id ranges. */
    public static CustomerRentals prepare(Node primary) {
        Sql.exec(primary, INDEX);
        return new CustomerRentals(PagilaOps.Ranges.of(primary));
    }

    public static String key(int customer) {
        return "customer:" + customer;
    }

    /** Rents a random film for {@code customer}; with {@code lsnInside}, also the WAL position inside the transaction. */
    public Version rent(Connection primary, int customer, boolean lsnInside) throws SQLException {
        var random = ThreadLocalRandom.current();
        try (var ps = primary.prepareStatement(lsnInside ? RENT_RETURNING_LSN : RENT)) {
            ps.setInt(1, 1 + random.nextInt(ranges.inventory()));
            ps.setInt(2, customer);
            ps.setInt(3, 1 + random.nextInt(ranges.staff()));
            try (var rs = ps.executeQuery()) {
                rs.next();
                return new Version(rs.getLong(1), lsnInside ? Lsn.parse(rs.getString(2)) : null);
            }
        }
    }

    /** The newest rental of {@code customer} on the connection's node, and how far that node's WAL is. */
    public static Version newest(Connection node, int customer) throws SQLException {
        try (var ps = node.prepareStatement(NEWEST)) {
            ps.setInt(1, customer);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return new Version(rs.getLong(1), Lsn.parse(rs.getString(2)));
            }
        }
    }
}
