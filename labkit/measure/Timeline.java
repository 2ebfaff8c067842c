//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.measure;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import labkit.workload.Ledger;
import labkit.workload.LoadDriver;
import org.HdrHistogram.Histogram;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * A run second by second: operations by outcome and latency percentiles, bucketed by the second
 * each operation completed in. This is the per-second CSV and the source of the throughput and
 * latency charts.
 */
public final class Timeline {
    private Timeline() {}

    public static Table perSecond(LoadDriver.Results results) {
        Map<Integer, Bucket> buckets = new TreeMap<>();
        for (Ledger.Write w : results.ledger().writes()) {
            Bucket b = buckets.computeIfAbsent((int) (w.doneNanos() / 1_000_000_000L), k -> new Bucket());
            switch (w.outcome()) {
                case OK -> b.writeLatencies.add(w.latencyMs());
                case FAILED -> b.writesFailed++;
                case UNKNOWN -> b.writesUnknown++;
            }
        }
        for (LoadDriver.Read r : results.reads()) {
            Bucket b = buckets.computeIfAbsent((int) (r.doneNanos() / 1_000_000_000L), k -> new Bucket());
            if (r.ok()) {
                b.readLatencies.add(r.latencyMs());
            } else {
                b.readsFailed++;
            }
        }
        var second = IntColumn.create("second");
        var writesOk = IntColumn.create("writes_ok");
        var writesFailed = IntColumn.create("writes_failed");
        var writesUnknown = IntColumn.create("writes_unknown");
        var readsOk = IntColumn.create("reads_ok");
        var readsFailed = IntColumn.create("reads_failed");
        var writeP50 = DoubleColumn.create("write_p50_ms");
        var writeP99 = DoubleColumn.create("write_p99_ms");
        var readP50 = DoubleColumn.create("read_p50_ms");
        var readP99 = DoubleColumn.create("read_p99_ms");
        if (!buckets.isEmpty()) {
            int first = buckets.keySet().iterator().next();
            int last = ((TreeMap<Integer, Bucket>) buckets).lastKey();
            for (int s = first; s <= last; s++) {
                Bucket b = buckets.getOrDefault(s, new Bucket());
                Histogram w = Latency.of(b.writeLatencies);
                Histogram r = Latency.of(b.readLatencies);
                second.append(s);
                writesOk.append(b.writeLatencies.size());
                writesFailed.append(b.writesFailed);
                writesUnknown.append(b.writesUnknown);
                readsOk.append(b.readLatencies.size());
                readsFailed.append(b.readsFailed);
                appendPercentile(writeP50, w, 50);
                appendPercentile(writeP99, w, 99);
                appendPercentile(readP50, r, 50);
                appendPercentile(readP99, r, 99);
            }
        }
        return Table.create("per second", second, writesOk, writesFailed, writesUnknown, readsOk, readsFailed,
                writeP50, writeP99, readP50, readP99);
    }

    /** A second with no successful operation has no latency: left empty, not zero. */
    private static void appendPercentile(DoubleColumn column, Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            column.appendMissing();
        } else {
            column.append(Latency.percentileMs(h, percentile));
        }
    }

    private static final class Bucket {
        final List<Double> writeLatencies = new ArrayList<>();
        final List<Double> readLatencies = new ArrayList<>();
        int writesFailed;
        int writesUnknown;
        int readsFailed;
    }
}
