//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.measure;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.Locale;
import labkit.cluster.LabException;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Ledger.Write;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * A failover's recovery time, read from the ledger (DESIGN.md §4): the RTO runs from the moment
 * the first write that did not succeed was sent, to the first write acknowledged by the new
 * primary, and splits into detect (until the primary is declared down), promote, and re-route
 * (until the clients' first success there). Times are ns on the lab clock, like the ledger's.
 *
 * @param firstFailure the write that did not succeed, sent first among those that ended after the fault
 * @param firstOk      the first write the new primary acknowledged
 */
public record Failover(String newPrimary, long faultNanos, Write firstFailure, long declaredDownNanos,
                       long promotedNanos, Write firstOk) {

    /**
     * @param faultNanos        when the primary failed (or was stopped)
     * @param declaredDownNanos when the health check declared it down: the decision to promote
     * @param promotedNanos     when the promotion returned
     */
    public static Failover measure(Ledger ledger, String newPrimary, long faultNanos, long declaredDownNanos,
                                   long promotedNanos) {
        var writes = ledger.writes();
        Write firstFailure = writes.stream().filter(w -> w.outcome() != Outcome.OK && w.doneNanos() >= faultNanos)
                .min(Comparator.comparingLong(Write::sentNanos))
                .orElseThrow(() -> new LabException("no write failed after the primary went down: raise --rate"));
        Write firstOk = writes.stream().filter(w -> w.outcome() == Outcome.OK && w.node().equals(newPrimary))
                .min(Comparator.comparingLong(Write::doneNanos))
                .orElseThrow(() -> new LabException("no write succeeded on the new primary " + newPrimary));
        return new Failover(newPrimary, faultNanos, firstFailure, declaredDownNanos, promotedNanos, firstOk);
    }

    public double detectMs() { return (declaredDownNanos - firstFailure.sentNanos()) / 1e6; }

    public double promoteMs() { return (promotedNanos - declaredDownNanos) / 1e6; }

    public double rerouteMs() { return (firstOk.doneNanos() - promotedNanos) / 1e6; }

    public double rtoMs() { return (firstOk.doneNanos() - firstFailure.sentNanos()) / 1e6; }

    /** The RTO and its phases, for the console. */
    public Table phases() {
        return phases("declared down", "pg_ctl promote");
    }

    /**
     * The same, with what ended detection and what promoted, e.g. "leader key expired" and "Patroni
     * promotes" for a failover manager.
     */
    public Table phases(String declaredDown, String promotion) {
        return Table.create("RTO, from the ledger",
                StringColumn.create("phase", "detect: first failed write sent -> " + declaredDown,
                        "promote: " + promotion, "re-route: promoted -> first acknowledged write", "RTO"),
                DoubleColumn.create("ms", Latency.round(detectMs()), Latency.round(promoteMs()),
                        Latency.round(rerouteMs()), Latency.round(rtoMs())));
    }

    /** The RTO in one line, for the lab's outcome. */
    public String describe() {
        return String.format(Locale.ROOT, "%s promoted: RTO %,.0f ms (detect %,.0f, promote %,.0f, re-route %,.0f), from "
                        + "the first failed write, sent at t=%.1fs, to the first write %s acknowledged, at t=%.1fs.",
                newPrimary, rtoMs(), detectMs(), promoteMs(), rerouteMs(), firstFailure.sentNanos() / 1e9, newPrimary,
                firstOk.doneNanos() / 1e9);
    }

    /** newPrimary, rtoMs, rtoPhasesMs, where the RTO starts and ends on the lab clock (s), and that window. */
    public ObjectNode json() {
        var node = JsonNodeFactory.instance.objectNode();
        node.put("newPrimary", newPrimary);
        node.put("rtoMs", Latency.round(rtoMs()));
        node.putObject("rtoPhasesMs").put("detect", Latency.round(detectMs())).put("promote", Latency.round(promoteMs()))
                .put("reroute", Latency.round(rerouteMs()));
        node.put("faultAtS", seconds(faultNanos));
        node.put("firstFailedWriteSentAtS", seconds(firstFailure.sentNanos()));
        node.put("firstOkOnNewPrimaryAtS", seconds(firstOk.doneNanos()));
        node.set("window", new Window("first failed write", firstFailure.sentNanos() / 1e9,
                "first acknowledged write on the new primary", firstOk.doneNanos() / 1e9).json());
        return node;
    }

    private static double seconds(long nanos) {
        return Math.round(nanos / 1e6) / 1000.0;
    }
}
