package labkit.workload;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import labkit.cluster.LabException;
import labkit.cluster.Node;
import labkit.cluster.Sql;

/**
 * The two operations of the course's mixed workload, on Pagila. The same statements are in
 * k6/pagila_read_write_test.js and bench/write-transaction.sql.
 */
public final class PagilaOps {
    /**
     * A new rental with its payment, and the client's key in pglab_write, in one transaction
     * and one round trip: the write's latency is one commit plus one network round trip.
     */
    public static final String WRITE = """
            WITH r AS (
              INSERT INTO rental (rental_date, inventory_id, customer_id, staff_id)
              VALUES (now(), ?, ?, ?) RETURNING rental_id, customer_id, staff_id
            ), p AS (
              INSERT INTO payment (customer_id, staff_id, rental_id, amount, payment_date)
              SELECT customer_id, staff_id, rental_id, ?, now() FROM r
            )
            INSERT INTO pglab_write (key, rental_id, written_at) SELECT ?, rental_id, now() FROM r""";

    /** Browsing films: a category's titles with their lead actors and the copies free to rent in a store. */
    public static final String READ = """
            SELECT f.film_id, f.title, f.rental_rate,
                   (SELECT string_agg(a.last_name, ', ') FROM (SELECT a.last_name FROM film_actor fa
                      JOIN actor a USING (actor_id) WHERE fa.film_id = f.film_id ORDER BY a.last_name LIMIT 3) a) AS actors,
                   count(i.inventory_id) FILTER (WHERE NOT EXISTS (SELECT FROM rental r
                      WHERE r.inventory_id = i.inventory_id AND r.return_date IS NULL)) AS available
            FROM film f
            JOIN film_category fc ON fc.film_id = f.film_id
            JOIN category c ON c.category_id = fc.category_id
            LEFT JOIN inventory i ON i.film_id = f.film_id AND i.store_id = ?
            WHERE c.name = ?
            GROUP BY f.film_id
            ORDER BY f.title
            LIMIT 20""";

    private static final String[] CATEGORIES = {"Action", "Animation", "Children", "Classics", "Comedy",
            "Documentary", "Drama", "Family", "Foreign", "Games", "Horror", "Music", "New", "Sci-Fi", "Sports", "Travel"};

    /** The id ranges the random parameters are drawn from, read once from the primary. */
    public record Ranges(int inventory, int customers, int staff, int stores) {
        public static Ranges of(Node primary) {
            return new Ranges(Integer.parseInt(Sql.scalar(primary, "SELECT max(inventory_id) FROM inventory")),
                    Integer.parseInt(Sql.scalar(primary, "SELECT max(customer_id) FROM customer")),
                    Integer.parseInt(Sql.scalar(primary, "SELECT max(staff_id) FROM staff")),
                    Integer.parseInt(Sql.scalar(primary, "SELECT max(store_id) FROM store")));
        }
    }

    private PagilaOps() {}

    /** One {@link #WRITE} with {@code key} on {@code node}, in a connection of its own. */
    public static void writeOnce(Node node, String key) {
        try (Connection c = node.connect(); var ps = write(c, Ranges.of(node), key)) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new LabException("a write on " + node.name() + " failed: " + e.getMessage());
        }
    }

    public static PreparedStatement write(Connection c, Ranges ranges, String key) throws SQLException {
        var random = ThreadLocalRandom.current();
        PreparedStatement ps = c.prepareStatement(WRITE);
        ps.setInt(1, 1 + random.nextInt(ranges.inventory()));
        ps.setInt(2, 1 + random.nextInt(ranges.customers()));
        ps.setInt(3, 1 + random.nextInt(ranges.staff()));
        ps.setBigDecimal(4, java.math.BigDecimal.valueOf(99 + random.nextInt(900), 2));
        ps.setString(5, key);
        return ps;
    }

    public static PreparedStatement read(Connection c, Ranges ranges) throws SQLException {
        var random = ThreadLocalRandom.current();
        PreparedStatement ps = c.prepareStatement(READ);
        ps.setInt(1, 1 + random.nextInt(ranges.stores()));
        ps.setString(2, CATEGORIES[random.nextInt(CATEGORIES.length)]);
        return ps;
    }
}
