//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.measure;

import labkit.cluster.Node;
import labkit.cluster.Sql;
import tech.tablesaw.api.Table;

/**
 * The same data on two nodes, checked the way a student could by hand: row counts of the tables
 * the workload writes, and every write's key hashed in key order. One row per node.
 */
public record Fingerprint(Table rows, boolean equal, long writes) {
    public static final String QUERY = "SELECT current_setting('cluster_name') AS node, "
            + "(SELECT count(*) FROM pglab_write) AS pglab_write, (SELECT count(*) FROM rental) AS rental, "
            + "(SELECT count(*) FROM payment) AS payment, "
            + "(SELECT md5(string_agg(key, ',' ORDER BY key)) FROM pglab_write) AS keys_md5";

    /** Both nodes' fingerprints; {@code equal} when every column but the node's name agrees. */
    public static Fingerprint of(Node a, Node b) {
        Table rows = Sql.query(a, QUERY).append(Sql.query(b, QUERY));
        boolean equal = rows.rejectColumns("node").dropDuplicateRows().rowCount() == 1;
        return new Fingerprint(rows, equal, rows.longColumn("pglab_write").get(0));
    }
}
