//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.measure;

import java.util.HashMap;
import java.util.Map;
import labkit.cluster.Node;
import labkit.cluster.Sql;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The same query on several nodes, side by side: what replication did or did not make equal. */
public final class Compare {
    private Compare() {}

    /**
     * {@code sql} (one row) on each node, as text: a row per node with its name, its label (e.g. the
     * mechanism that feeds it) and the query's columns.
     */
    public static Table onEach(String title, Map<String, Node> nodesByLabel, String sql) {
        Table table = null;
        for (var e : nodesByLabel.entrySet()) {
            Table row = Sql.query(e.getValue(), sql);
            if (table == null) {
                table = Table.create(title, StringColumn.create("node"), StringColumn.create("feeds it"));
                for (int c = 0; c < row.columnCount(); c++) {
                    table.addColumns(StringColumn.create(row.column(c).name()));
                }
            }
            table.stringColumn(0).append(e.getValue().name());
            table.stringColumn(1).append(e.getKey());
            for (int c = 0; c < row.columnCount(); c++) {
                table.stringColumn(c + 2).append(row.rowCount() == 0 ? "(no row)" : row.getString(0, c));
            }
        }
        return table;
    }

    /**
     * How many keys {@code keyValueSql} (key, value) finds on {@code b} with another value than on
     * {@code a}, or none there at all.
     */
    public static long differing(Node a, Node b, String keyValueSql) {
        var onA = new HashMap<String, String>();
        Table t = Sql.query(a, keyValueSql);
        for (int r = 0; r < t.rowCount(); r++) {
            onA.put(t.getString(r, 0), t.getString(r, 1));
        }
        Table onB = Sql.query(b, keyValueSql);
        long differ = 0;
        for (int r = 0; r < onB.rowCount(); r++) {
            if (!onB.getString(r, 1).equals(onA.get(onB.getString(r, 0)))) {
                differ++;
            }
        }
        return differ;
    }
}
