//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
//DEPS org.hdrhistogram:HdrHistogram:2.2.2
package labkit.notebook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import labkit.cluster.LabException;
import labkit.cluster.Link;
import labkit.measure.Audit;
import labkit.measure.LagSampler;
import labkit.measure.Latency;
import labkit.measure.LinkProbe;
import labkit.measure.Window;
import labkit.workload.Ledger;
import org.HdrHistogram.Histogram;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The measurements every workload lab reports, as summary.json sections, console tables and files. */
public final class Report {
    private Report() {}

    /** latency: the write percentiles over {@code window}, which the section names; a lab may add its reads. */
    public static ObjectNode latency(ObjectNode parent, Window window, Histogram writes) {
        var node = parent.putObject("latency");
        node.set("write", Latency.json(writes));
        node.set("window", window.json());
        return node;
    }

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

    /**
     * The audit for the console: its table, the newest lost writes by key if any were lost, and
     * the story of the unknown writes ({@link #unknownStory}).
     */
    public static void show(Lab lab, Audit.Result audit, int users) {
        lab.table(audit(audit));
        if (audit.lostAcked() > 0) {
            lab.say("These writes were acknowledged to the client, and they are gone:");
            lab.table(lostWrites(audit, 5));
        }
        lab.say(unknownStory(audit, users));
    }

    /**
     * The unknown writes, told as the numbers show them: in flight when the fault struck, or sent
     * after it on a pooled connection the client did not yet know was broken; and how many of
     * them the survivor has. {@code users} is the workload's number of connections.
     */
    public static String unknownStory(Audit.Result audit, int users) {
        if (audit.unknown() == 0) {
            return "No write was left unknown: every client heard back.";
        }
        var story = new StringBuilder(String.format(Locale.ROOT, "%d writes are unknown: sent, and never answered, so "
                + "the client cannot know whether they committed.", audit.unknown()));
        Long before = audit.unknownSentBeforeFault();
        if (before != null && before > 0) {
            story.append(String.format(Locale.ROOT, " %d were in flight when the fault struck.", before));
        }
        Long after = audit.unknownSentAfterFault();
        if (after != null && after > 0) {
            story.append(String.format(Locale.ROOT, " %d were sent after the fault had struck, at most one on each of "
                    + "the workload's %d pooled connections: the first write on a broken connection is how the client "
                    + "learns that it is broken.", after, users));
        }
        story.append(audit.unknownPresent() == 0 ? " None of them is on the survivor."
                : String.format(Locale.ROOT, " %d of them are on the survivor, %d are not; none was promised.",
                        audit.unknownPresent(), audit.unknownAbsent()));
        return wrap(story.toString());
    }

    /**
     * link: the configured one-way delay, jitter and round trip, and the round trip measured
     * through the relay, {p50, p90, samples} in ms (null without a sample).
     */
    public static ObjectNode link(ObjectNode parent, Link link, LinkProbe rtt, Duration oneWay, Duration jitter) {
        var node = parent.putObject("link");
        node.put("configuredOneWayDelayMs", oneWay.toMillis()).put("configuredJitterMs", jitter.toMillis())
                .put("configuredRttMs", link.configuredRttMs());
        node.set("rttMs", rtt.json());
        return node;
    }

    /**
     * settings: the workload's rate, read rate, link delay and jitter, as configured; a lab adds its
     * own. Every name starts with "configured": a setting echoed is not a measurement.
     */
    public static ObjectNode settings(ObjectNode parent, WorkloadOptions load) {
        return parent.putObject("settings").put("configuredRate", load.rate).put("configuredReadRate", load.readRate)
                .put("configuredLinkDelayMs", load.linkDelay.toMillis()).put("configuredJitterMs", load.jitter.toMillis());
    }

    /** traffic: bytes each way on the replication link, and to the standby per acknowledged write. */
    public static ObjectNode traffic(ObjectNode parent, Link.Traffic traffic, long ackedWrites) {
        return parent.putObject("traffic").put("bytesToStandby", traffic.toStandby())
                .put("bytesFromStandby", traffic.fromStandby())
                .put("bytesPerAckedWrite", traffic.toStandbyPer(ackedWrites));
    }

    /** The measured round trip for the console: "p50 51.2 ms, p90 52.0 ms", or "no samples". */
    public static String rtt(LinkProbe rtt) {
        var h = rtt.histogram();
        return h.getTotalCount() == 0 ? "no samples"
                : "p50 " + Latency.text(h, 50) + ", p90 " + Latency.text(h, 90);
    }

    /** Narrative built from numbers, broken into lines of at most 100 characters like the labs' own. */
    static String wrap(String text) {
        var lines = new StringBuilder();
        var line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > 100) {
                lines.append(line).append('\n');
                line.setLength(0);
            }
            line.append(line.length() > 0 ? " " : "").append(word);
        }
        return lines.append(line).toString();
    }

    /**
     * Write latency of two phases side by side (p50, p90, p99 in ms), their difference, and the
     * link's round trip measured at the same percentiles: what a synchronous commit adds, next to
     * the least it has to add. Nothing measured shows as an empty cell.
     */
    public static Table comparison(String first, Histogram a, String second, Histogram b, Histogram roundTrips) {
        var percentile = StringColumn.create("percentile", "p50", "p90", "p99");
        var firstMs = DoubleColumn.create(first + "_ms");
        var secondMs = DoubleColumn.create(second + "_ms");
        var difference = DoubleColumn.create("difference_ms");
        var rtt = DoubleColumn.create("link_rtt_ms");
        for (double p : new double[] {50, 90, 99}) {
            double am = Latency.percentileMs(a, p);
            double bm = Latency.percentileMs(b, p);
            firstMs.append(Latency.round(am));
            secondMs.append(Latency.round(bm));
            difference.append(Latency.round(bm - am));
            rtt.append(Latency.round(Latency.percentileMs(roundTrips, p)));
        }
        return Table.create("write latency, and the link's measured round trip", percentile, firstMs, secondMs,
                difference, rtt);
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

    /** Writes {@code table} to {@code file}; returns it, to chart what was written. */
    public static Table csv(Table table, Path file) {
        try {
            table.write().csv(file.toFile());
            return table;
        } catch (RuntimeException e) {
            throw new LabException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
