//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import labkit.cluster.LabException;
import labkit.measure.Audit;
import labkit.measure.LagSampler;
import labkit.measure.Latency;
import labkit.workload.Ledger;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The measurements every workload lab reports, as summary.json sections, console tables and files. */
public final class Report {
    private Report() {}

    public static ObjectNode writes(ObjectNode parent, Ledger ledger) {
        return parent.putObject("writes").put("ok", ledger.ok()).put("failed", ledger.failed())
                .put("unknown", ledger.unknown());
    }

    /**
     * lag.samples, replay lag p50/max (ms) and the most bytes sent but not yet replayed, over the
     * given samples; each is null when no sample had it (nothing measured is not 0).
     */
    public static ObjectNode lag(ObjectNode parent, List<LagSampler.Sample> samples) {
        var replay = samples.stream().map(LagSampler.Sample::replayLagMs).filter(Objects::nonNull).sorted().toList();
        var node = parent.putObject("lag");
        node.put("samples", samples.size());
        node.put("replayLagMsP50", replay.isEmpty() ? null : Latency.round(replay.get(replay.size() / 2)));
        node.put("replayLagMsMax", replay.isEmpty() ? null : Latency.round(replay.getLast()));
        node.put("maxBytes", max(samples, LagSampler.Sample::sentMinusReplayBytes));
        node.put("maxBehindBytes", max(samples, LagSampler.Sample::bytesBehind));
        return node;
    }

    private static Long max(List<LagSampler.Sample> samples, Function<LagSampler.Sample, Double> value) {
        return samples.stream().map(value).filter(Objects::nonNull).max(Comparator.naturalOrder())
                .map(Double::longValue).orElse(null);
    }

    /** failure: lostAcked, rpoMs, the unknown writes found / not found and sent before / after the fault. */
    public static ObjectNode failure(ObjectNode parent, Audit.Result audit) {
        return parent.putObject("failure").put("lostAcked", audit.lostAcked()).put("rpoMs", Latency.round(audit.rpoMs()))
                .put("unknownPresent", audit.unknownPresent()).put("unknownAbsent", audit.unknownAbsent())
                .put("unknownSentBeforeFault", audit.unknownSentBeforeFault())
                .put("unknownSentAfterFault", audit.unknownSentAfterFault());
    }

    /** The audit as a console table. */
    public static Table audit(Audit.Result audit) {
        var what = StringColumn.create("writes", "acknowledged (ok)", "failed", "unknown: found", "unknown: not found");
        var count = DoubleColumn.create("count", audit.ok(), audit.failed(), audit.unknownPresent(), audit.unknownAbsent());
        if (audit.unknownSentBeforeFault() != null) {
            what.append("unknown: sent before the fault").append("unknown: sent after the fault");
            count.append(audit.unknownSentBeforeFault()).append(audit.unknownSentAfterFault());
        }
        what.append("acknowledged but LOST").append("RPO (ms)");
        count.append(audit.lostAcked()).append(Latency.round(audit.rpoMs()));
        return Table.create("audit of the ledger against the survivor", what, count);
    }

    /** The newest lost writes by key and time: acknowledged to the client, and gone. */
    public static Table lostWrites(Audit.Result audit, int n) {
        var key = StringColumn.create("key");
        var acked = DoubleColumn.create("acknowledged_at_s");
        for (Ledger.Write w : audit.lastLost(n)) {
            key.append(w.key());
            acked.append(Math.round(w.doneNanos() / 1e6) / 1000.0);
        }
        return Table.create("last lost writes", key, acked);
    }

    public static void csv(Table table, Path file) {
        try {
            table.write().csv(file.toFile());
        } catch (RuntimeException e) {
            throw new LabException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
