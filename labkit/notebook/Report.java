//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
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

    /** lag.samples, replay lag p50/max (ms) and the most bytes sent but not yet replayed, over the given samples. */
    public static ObjectNode lag(ObjectNode parent, List<LagSampler.Sample> samples) {
        var replay = samples.stream().map(LagSampler.Sample::replayLagMs).filter(Objects::nonNull).sorted().toList();
        var node = parent.putObject("lag");
        node.put("samples", samples.size());
        node.put("replayLagMsP50", replay.isEmpty() ? 0 : Latency.round(replay.get(replay.size() / 2)));
        node.put("replayLagMsMax", replay.isEmpty() ? 0 : Latency.round(replay.get(replay.size() - 1)));
        node.put("maxBytes", samples.stream().map(LagSampler.Sample::sentMinusReplayBytes).filter(Objects::nonNull)
                .max(Comparator.naturalOrder()).orElse(0.0).longValue());
        node.put("maxBehindBytes", samples.stream().map(LagSampler.Sample::bytesBehind).filter(Objects::nonNull)
                .max(Comparator.naturalOrder()).orElse(0.0).longValue());
        return node;
    }

    public static ObjectNode failure(ObjectNode parent, Audit.Result audit) {
        return parent.putObject("failure").put("lostAcked", audit.lostAcked()).put("rpoMs", Latency.round(audit.rpoMs()))
                .put("unknownPresent", audit.unknownPresent()).put("unknownAbsent", audit.unknownAbsent());
    }

    /** The audit as a console table. */
    public static Table audit(Audit.Result audit) {
        return Table.create("audit of the ledger against the survivor",
                StringColumn.create("writes", "acknowledged (ok)", "failed", "unknown: found", "unknown: not found",
                        "acknowledged but LOST", "RPO (ms)"),
                DoubleColumn.create("count", audit.ok(), audit.failed(), audit.unknownPresent(), audit.unknownAbsent(),
                        audit.lostAcked(), Latency.round(audit.rpoMs())));
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
