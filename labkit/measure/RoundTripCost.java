//DEPS org.hdrhistogram:HdrHistogram:2.2.2
//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.measure;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

/**
 * What a synchronous commit costs against the link's measured round trip. Every synchronous commit
 * waits at least one round trip to the standby (plus the standby's write, flush or apply), so two
 * things hold when the lesson shows: the medians differ by about one round trip, and almost no sync
 * commit is faster than the round trip's fast end. A difference of two p90s is no estimate of the
 * round trip: one busy second in the async phase inflates its tail and erases the margin.
 *
 * @param extraP50Ms         sync p50 − async p50
 * @param rttP50Ms           the link's round trip, p50, timed through it while the phases ran
 * @param rttP10Ms           its p10: a sync commit faster than this cannot have waited for the standby
 * @param fasterThanRttP10   the fraction of acknowledged sync commits faster than {@code rttP10Ms}
 */
public record RoundTripCost(double extraP50Ms, double rttP50Ms, double rttP10Ms, double fasterThanRttP10) {
    /** The band the medians' difference must fall in: at least the round trip less 1 ms, at most 10 ms more. */
    public static final double BELOW_MS = 1, ABOVE_MS = 10;
    /** Fewer sync commits than this may beat the round trip's p10 (HdrHistogram's buckets, a rare fast path). */
    public static final double MAX_FASTER_THAN_RTT = 0.01;

    public static RoundTripCost of(Histogram async, Histogram sync, Histogram roundTrips) {
        double rttP10 = Latency.percentileMs(roundTrips, 10);
        double faster = sync.getTotalCount() == 0 || roundTrips.getTotalCount() == 0 ? Double.NaN
                : (double) sync.getCountBetweenValues(0, Math.round(rttP10 * 1000) - 1) / sync.getTotalCount();
        return new RoundTripCost(Latency.percentileMs(sync, 50) - Latency.percentileMs(async, 50),
                Latency.percentileMs(roundTrips, 50), rttP10, faster);
    }

    /** Whether the numbers show the lesson (false when any of them was not measured). */
    public boolean shown() {
        return extraP50Ms >= rttP50Ms - BELOW_MS && extraP50Ms <= rttP50Ms + ABOVE_MS
                && fasterThanRttP10 < MAX_FASTER_THAN_RTT;
    }

    /** {extraP50Ms, linkRttP50Ms, linkRttP10Ms, syncFasterThanRttP10}, null where not measured. */
    public ObjectNode json() {
        var node = JsonNodeFactory.instance.objectNode();
        put(node, "extraP50Ms", Latency.round(extraP50Ms));
        put(node, "linkRttP50Ms", Latency.round(rttP50Ms));
        put(node, "linkRttP10Ms", Latency.round(rttP10Ms));
        put(node, "syncFasterThanRttP10", Double.isNaN(fasterThanRttP10) ? Double.NaN
                : Math.round(fasterThanRttP10 * 10000) / 10000.0);
        return node;
    }

    private static void put(ObjectNode node, String field, double value) {
        if (Double.isNaN(value)) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
