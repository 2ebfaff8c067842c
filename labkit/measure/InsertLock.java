//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.measure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import labkit.cluster.Node;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * pgpool-II's insert_lock, measured: concurrent inserts through pgpool into a table with a serial
 * column, once with the lock (pgpool locks the table on the main node first: the inserts run one
 * at a time, in the same order on each node, so that the nodes hand out the same numbers) and once without it ({@code /*NO INSERT LOCK*}{@code /}, pgpool's own
 * comment): their latency, and how many rows got another number on the second node.
 */
public final class InsertLock {
    /** One arm of the comparison: insert_lock "on" or "off". */
    public record Arm(String insertLock, long inserts, double p50Ms, double p90Ms, long rowsDiffering) {}

    private InsertLock() {}

    /**
     * {@code clients} connections insert {@code perClient} rows each into {@code table} (key text,
     * and a serial column {@code serialColumn}) through {@code pgpool}, with the lock and without;
     * then the rows are compared between the nodes {@code a} and {@code b}.
     */
    public static List<Arm> compare(Node pgpool, Node a, Node b, String table, String serialColumn, int clients, int perClient) {
        return List.of(arm(pgpool, a, b, table, serialColumn, clients, perClient, "on", ""),
                arm(pgpool, a, b, table, serialColumn, clients, perClient, "off", "/*NO INSERT LOCK*/ "));
    }

    public static Table table(List<Arm> arms) {
        var table = Table.create("inserts through pgpool", StringColumn.create("insert_lock"), StringColumn.create("p50 ms"),
                StringColumn.create("p90 ms"), StringColumn.create("rows whose number differs between the nodes"));
        for (Arm arm : arms) {
            table.stringColumn(0).append(arm.insertLock());
            table.stringColumn(1).append(String.valueOf(arm.p50Ms()));
            table.stringColumn(2).append(String.valueOf(arm.p90Ms()));
            table.stringColumn(3).append(String.valueOf(arm.rowsDiffering()));
        }
        return table;
    }

    /** Into {@code parent} as {@code insertLock: {on: {...}, off: {...}}}. */
    public static void writeTo(ObjectNode parent, List<Arm> arms) {
        var json = parent.putObject("insertLock");
        arms.forEach(arm -> json.putObject(arm.insertLock()).put("inserts", arm.inserts()).put("p50Ms", arm.p50Ms())
                .put("p90Ms", arm.p90Ms()).put("rowsDiffering", arm.rowsDiffering()));
    }

    private static Arm arm(Node pgpool, Node a, Node b, String table, String serialColumn, int clients, int perClient,
                           String name, String comment) {
        String prefix = "lock-" + name;
        var latency = ConcurrentStatements.latency(pgpool, clients, perClient,
                (client, i) -> comment + "INSERT INTO " + table + " (key) VALUES ('" + prefix + "-" + client + "-" + i + "')");
        long differ = Compare.differing(a, b, "SELECT key, " + serialColumn + " FROM " + table + " WHERE key LIKE '" + prefix + "-%'");
        return new Arm(name, latency.getTotalCount(), Latency.round(Latency.percentileMs(latency, 50)),
                Latency.round(Latency.percentileMs(latency, 90)), differ);
    }
}
