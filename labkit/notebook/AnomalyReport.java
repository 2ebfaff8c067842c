//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import labkit.measure.ConsistencyChecker;
import labkit.measure.History;
import labkit.measure.Latency;
import labkit.measure.Op;
import org.knowm.xchart.CategoryChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * One anomaly measured under several fixes (none, then each fix on the same workload): the
 * checker's counts for each history, what the fix cost in read and write latency, a console
 * table, a summary.json section and a bar chart of the anomaly's rate before and after.
 */
public final class AnomalyReport {

    /** The anomaly a report is about: its name in the table and its rate's name in summary.json. */
    public enum Anomaly {
        STALE_READ("stale reads", "staleRate"),
        NON_MONOTONIC_READ("reads back in time", "violationRate");

        final String shown;
        final String field;

        Anomaly(String shown, String field) {
            this.shown = shown;
            this.field = field;
        }
    }

    private record Row(String key, String label, History history, ConsistencyChecker.Result result) {}

    private final String title;
    private final Anomaly anomaly;
    private final List<Row> rows = new ArrayList<>();

    public AnomalyReport(String title, Anomaly anomaly) {
        this.title = title;
        this.anomaly = anomaly;
    }

    /** Checks {@code history} and keeps it as the row {@code key} (its summary.json name), shown as {@code label}. */
    public void add(String key, String label, History history) {
        rows.add(new Row(key, label, history, ConsistencyChecker.check(history)));
    }

    /** The histories checked, in the order they were added. */
    public List<History> histories() {
        return rows.stream().map(Row::history).toList();
    }

    private long count(ConsistencyChecker.Result r) {
        return anomaly == Anomaly.STALE_READ ? r.staleReads() : r.nonMonotonicReads();
    }

    private Double rate(ConsistencyChecker.Result r) {
        return anomaly == Anomaly.STALE_READ ? r.staleRate() : r.nonMonotonicRate();
    }

    /** The first anomaly of a result, told as a student reads it; null when there was none. */
    private String example(Row row) {
        var r = row.result();
        var list = anomaly == Anomaly.STALE_READ ? (r.readYourWrites().isEmpty() ? r.stale() : r.readYourWrites())
                : r.nonMonotonic();
        return list.isEmpty() ? null : list.get(0).describe(row.history());
    }

    /** The example of the row {@code key}, or null. */
    public String example(String key) {
        return rows.stream().filter(r -> r.key().equals(key)).findFirst().map(this::example).orElse(null);
    }

    public Table table() {
        var fix = StringColumn.create("fix");
        var reads = IntColumn.create("reads");
        var count = IntColumn.create(anomaly.shown);
        var rate = DoubleColumn.create("%");
        var readP50 = DoubleColumn.create("read p50 ms");
        var readP90 = DoubleColumn.create("read p90 ms");
        var writeP50 = DoubleColumn.create("write p50 ms");
        var writeP90 = DoubleColumn.create("write p90 ms");
        var onPrimary = IntColumn.create("reads on primary");
        for (Row row : rows) {
            fix.append(row.label());
            reads.append((int) row.result().reads());
            count.append((int) count(row.result()));
            Double r = rate(row.result());
            if (r == null) rate.appendMissing(); else rate.append(Math.round(r * 1000) / 10.0);
            var read = Latency.of(row.history().latencyMs(Op.Kind.READ));
            var write = Latency.of(row.history().latencyMs(Op.Kind.WRITE));
            readP50.append(Latency.percentileMs(read, 50));
            readP90.append(Latency.percentileMs(read, 90));
            writeP50.append(Latency.percentileMs(write, 50));
            writeP90.append(Latency.percentileMs(write, 90));
            onPrimary.append((int) readsByNode(row.history()).getOrDefault(primaryOf(row.history()), 0L).longValue());
        }
        return Table.create(title, fix, reads, count, rate, readP50, readP90, writeP50, writeP90, onPrimary);
    }

    /** {key: {label, reads, counts and rates, example, readsByNode, latency: {read, write}, window}} for summary.json. */
    public ObjectNode json() {
        var json = JsonNodeFactory.instance.objectNode();
        for (Row row : rows) {
            var r = row.result();
            var node = json.putObject(row.key());
            node.put("label", row.label());
            node.put("reads", r.reads());
            if (anomaly == Anomaly.STALE_READ) {
                node.put("staleReads", r.staleReads());
                node.put("readYourWritesViolations", r.readYourWritesViolations());
                node.put("readYourWritesRate", round(r.readYourWritesRate()));
            } else {
                node.put("nonMonotonicReads", r.nonMonotonicReads());
                node.put("staleRate", round(r.staleRate()));
            }
            node.put(anomaly.field, round(rate(r)));
            node.put("example", example(row));
            var byNode = node.putObject("readsByNode");
            readsByNode(row.history()).forEach(byNode::put);
            var latency = node.putObject("latency");
            latency.set("read", latencyJson(row.history(), Op.Kind.READ));
            latency.set("write", latencyJson(row.history(), Op.Kind.WRITE));
            node.set("window", row.history().window().json());
        }
        return json;
    }

    /** The anomaly's rate in % per fix, before and after: one bar each. */
    public CategoryChart chart() {
        var labels = new ArrayList<String>();
        var percent = new ArrayList<Double>();
        for (Row row : rows) {
            Double r = rate(row.result());
            if (r != null) { // no reads, no rate: no bar rather than a bar at 0
                labels.add(row.label());
                percent.add(r * 100);
            }
        }
        return Charts.bars(title, anomaly.shown + " (%)", labels, percent);
    }

    private static ObjectNode latencyJson(History h, Op.Kind kind) {
        var latencies = h.latencyMs(kind);
        return latencies.isEmpty() ? null : Latency.json(Latency.of(latencies));
    }

    private static Map<String, Long> readsByNode(History h) {
        var counts = new TreeMap<String, Long>();
        h.ops().stream().filter(o -> o.kind() == Op.Kind.READ && o.ok()).forEach(o -> counts.merge(o.node(), 1L, Long::sum));
        return counts;
    }

    /** The node the history's writes went to. */
    private static String primaryOf(History h) {
        return h.ops().stream().filter(o -> o.kind() == Op.Kind.WRITE).map(Op::node).findFirst().orElse("");
    }

    private static Double round(Double rate) {
        return rate == null ? null : Math.round(rate * 10_000) / 10_000.0;
    }
}
