//DEPS org.hdrhistogram:HdrHistogram:2.2.2
//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.measure;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import labkit.workload.Ledger;
import labkit.workload.LoadDriver;
import org.HdrHistogram.Histogram;

/** Latency distributions in HdrHistogram (microsecond resolution, up to ten minutes). */
public final class Latency {
    private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);

    private Latency() {}

    public static Histogram of(Collection<Double> millis) {
        var h = new Histogram(MAX_MICROS, 3);
        for (double ms : millis) {
            h.recordValue(Math.max(1, Math.min(MAX_MICROS, Math.round(ms * 1000))));
        }
        return h;
    }

    /** The operations that succeeded: acknowledged writes. */
    public static Histogram ofWrites(Ledger ledger) {
        return of(ledger.writes().stream().filter(w -> w.outcome() == Ledger.Outcome.OK).map(Ledger.Write::latencyMs).toList());
    }

    /** The writes acknowledged among those that arrived inside {@code window}. */
    public static Histogram ofWrites(Ledger ledger, Window window) {
        return of(window.acked(ledger).stream().map(Ledger.Write::latencyMs).toList());
    }

    /**
     * As {@link #ofWrites(Ledger, Window)}, refused when no write was acknowledged: a percentile of
     * nothing would print as 0 ms, and a comparison with it would conclude from nothing.
     */
    public static Histogram ofAcknowledgedWrites(Ledger ledger, Window window, String phase) {
        Histogram h = ofWrites(ledger, window);
        if (h.getTotalCount() == 0) {
            throw new labkit.cluster.LabException("no acknowledged write " + phase + ": nothing to compare");
        }
        return h;
    }

    /** The reads answered among those that arrived inside {@code window}. */
    public static Histogram ofReads(java.util.List<LoadDriver.Read> reads, Window window) {
        return of(window.answered(reads).stream().map(LoadDriver.Read::latencyMs).toList());
    }

    public static Histogram ofReads(java.util.List<LoadDriver.Read> reads) {
        return of(reads.stream().filter(LoadDriver.Read::ok).map(LoadDriver.Read::latencyMs).toList());
    }

    /** The percentile in ms; NaN for an empty histogram (nothing was measured: no number to show). */
    public static double percentileMs(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    /** "12.3 ms", or "no samples" for an empty histogram, for the console. */
    public static String text(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "no samples" : String.format(Locale.ROOT, "%.1f ms", percentileMs(h, percentile));
    }

    /** {count, p50Ms, p90Ms, p99Ms, maxMs} for summary.json; the times are null when the set is empty. */
    public static ObjectNode json(Histogram h) {
        var node = JsonNodeFactory.instance.objectNode();
        node.put("count", h.getTotalCount());
        boolean measured = h.getTotalCount() > 0;
        node.put("p50Ms", measured ? round(percentileMs(h, 50)) : null);
        node.put("p90Ms", measured ? round(percentileMs(h, 90)) : null);
        node.put("p99Ms", measured ? round(percentileMs(h, 99)) : null);
        node.put("maxMs", measured ? round(h.getMaxValue() / 1000.0) : null);
        return node;
    }

    /** Milliseconds to two decimals, as summary.json and the tables show them. */
    public static double round(double ms) {
        return Double.isNaN(ms) ? ms : Math.round(ms * 100) / 100.0; // NaN: nothing measured, stays so
    }
}
