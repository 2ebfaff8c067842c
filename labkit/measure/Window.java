//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.measure;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import labkit.workload.LoadDriver;

/**
 * The stretch of a run a figure covers, between two of the lab's events ("workload start",
 * "fault"), on the lab clock (seconds). Every ratio, rate and percentile of a lab is taken over
 * one of these, never up to wherever the code was when the teacher pressed Enter: the workload
 * keeps running through a pause, so a count taken at one moment and another taken after the
 * pause would not describe the same writes. summary.json names each figure's window.
 */
public record Window(String from, double fromS, String to, double toS) {

    /** An operation timed by itself (a base backup, a load): known by its length only, from 0. */
    public static Window lasting(String from, String to, double seconds) {
        return new Window(from, 0, to, seconds);
    }

    public double seconds() {
        return toS - fromS;
    }

    /** Whether {@code labNanos} (ns on the lab clock) falls inside, from included, to excluded. */
    public boolean holds(long labNanos) {
        return labNanos >= fromS * 1e9 && labNanos < toS * 1e9;
    }

    /** The acknowledged writes that arrived inside (by their intended start: the open model's schedule). */
    public List<Ledger.Write> acked(Ledger ledger) {
        return ledger.writes().stream().filter(w -> w.outcome() == Outcome.OK && holds(w.intendedNanos())).toList();
    }

    /** The answered reads that arrived inside. */
    public List<LoadDriver.Read> answered(List<LoadDriver.Read> reads) {
        return reads.stream().filter(r -> r.ok() && holds(r.intendedNanos())).toList();
    }

    /** The lag samples taken inside. */
    public List<LagSampler.Sample> sampled(List<LagSampler.Sample> samples) {
        return samples.stream().filter(s -> s.t() >= fromS && s.t() < toS).toList();
    }

    /** {from, to, seconds} for summary.json: {@code figure.set("window", window.json())}. */
    public ObjectNode json() {
        return JsonNodeFactory.instance.objectNode().put("from", from).put("to", to)
                .put("seconds", Math.round(seconds() * 100) / 100.0);
    }
}
