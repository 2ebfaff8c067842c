//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS org.hdrhistogram:HdrHistogram:2.2.2
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;
import labkit.measure.Latency;
import labkit.measure.Phases;
import labkit.workload.Ledger;
import org.HdrHistogram.Histogram;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Replication mechanisms side by side: each one's summary.json section, filled from the phase
 * that measured it, and the console table and chart read back from those sections, so that the
 * three always agree. Anything not measured is null there and "not measured" here.
 */
public final class MechanismReport {
    private MechanismReport() {}

    /**
     * What {@code phase} measured for {@code mechanism} into its section {@code m}: bytes on its
     * links and the leader's WAL per 1,000 writes, write latency with its overhead against
     * {@code baseline}'s writes, and the lag until a write's key was visible on the follower.
     */
    public static void measured(ObjectNode m, String mechanism, Phases.Phase phase, Histogram baseline, Ledger ledger,
                                Duration warmUp) {
        var drained = phase.drained(mechanism);
        long writes = phase.writes(ledger);
        m.put("phase", phase.name());
        m.put("writes", writes);
        m.put("bytesPer1000Writes", phase.per1000(ledger, drained.bytes()));
        var perLink = m.putObject("linkBytesPer1000Writes");
        drained.linkBytes().forEach((link, bytes) -> perLink.put(link, phase.per1000(ledger, bytes)));
        wal(m, List.of(phase), ledger);
        m.set("writeLatency", latency(phase.latency(ledger, warmUp), baseline));
        var lag = Latency.of(drained.lag().lagsMs());
        boolean seen = lag.getTotalCount() > 0;
        m.putObject("lagMs").put("p50", seen ? Latency.round(Latency.percentileMs(lag, 50)) : null)
                .put("p90", seen ? Latency.round(Latency.percentileMs(lag, 90)) : null)
                .put("keysSeen", lag.getTotalCount()).put("keysNeverSeen", drained.lag().unseen())
                .put("pollRoundMsP50", median(drained.lag().roundsMs()));
    }

    /**
     * The leader's WAL per 1,000 writes of {@code phases} together: records (what the comparison
     * shows), full-page images, both; nulls when they had no writes.
     */
    public static void wal(ObjectNode parent, List<Phases.Phase> phases, Ledger ledger) {
        long writes = phases.stream().mapToLong(p -> p.writes(ledger)).sum();
        long records = phases.stream().mapToLong(p -> p.wal().records()).sum();
        long images = phases.stream().mapToLong(p -> p.wal().fullPageImages()).sum();
        long total = phases.stream().mapToLong(p -> p.wal().total()).sum();
        parent.put("leaderWalBytesPer1000Writes", writes == 0 ? null : records * 1000 / writes);
        parent.put("leaderWalFullPageImageBytesPer1000Writes", writes == 0 ? null : images * 1000 / writes);
        parent.put("leaderWalTotalBytesPer1000Writes", writes == 0 ? null : total * 1000 / writes);
    }

    /** {count, p50Ms, p90Ms} and, against a baseline, {overheadP50Ms, overheadP90Ms}; nulls when nothing was measured. */
    public static ObjectNode latency(Histogram h, Histogram baseline) {
        var node = JsonNodeFactory.instance.objectNode();
        boolean measured = h.getTotalCount() > 0;
        node.put("count", h.getTotalCount());
        node.put("p50Ms", measured ? Latency.round(Latency.percentileMs(h, 50)) : null);
        node.put("p90Ms", measured ? Latency.round(Latency.percentileMs(h, 90)) : null);
        if (baseline != null) {
            boolean both = measured && baseline.getTotalCount() > 0;
            node.put("overheadP50Ms", both ? Latency.round(Latency.percentileMs(h, 50) - Latency.percentileMs(baseline, 50)) : null);
            node.put("overheadP90Ms", both ? Latency.round(Latency.percentileMs(h, 90) - Latency.percentileMs(baseline, 90)) : null);
        }
        return node;
    }

    /**
     * Whether non-deterministic functions came out the same on each follower as on the leader:
     * {@code rows} is {@link labkit.measure.Compare#onEach} of (random, clock_timestamp, now), the
     * leader first, each other row labelled with the mechanism that feeds its node.
     */
    public static void nondeterministic(ObjectNode mechanisms, Table rows) {
        List<String> columns = List.of("random", "clock_timestamp", "now");
        for (int r = 1; r < rows.rowCount(); r++) {
            int row = r;
            var m = mechanisms.withObject(rows.getString(r, 1));
            m.put("nondeterministicSafe", columns.stream().allMatch(c -> rows.getString(row, c).equals(rows.getString(0, c))));
            var values = m.putObject("nondeterministic");
            for (var side : List.of(Map.entry("leader", 0), Map.entry("follower", r))) {
                values.putObject(side.getKey()).put("random", rows.getString(side.getValue(), "random"))
                        .put("clockTimestamp", rows.getString(side.getValue(), "clock_timestamp"))
                        .put("now", rows.getString(side.getValue(), "now"));
            }
        }
    }

    /**
     * Whether each follower's copy of a sequence kept up with the leader's: {@code rows} is
     * {@link labkit.measure.Compare#onEach} of its last_value, the leader first. A standby shows the
     * value the leader logged ahead (up to 32 more): never behind is what counts.
     */
    public static void sequences(ObjectNode mechanisms, Table rows) {
        long leader = Long.parseLong(rows.getString(0, 2));
        for (int r = 1; r < rows.rowCount(); r++) {
            long value = Long.parseLong(rows.getString(r, 2));
            var m = mechanisms.withObject(rows.getString(r, 1));
            m.put("sequencesReplicated", value >= leader);
            m.putObject("sequence").put("leader", leader).put("follower", value);
        }
    }

    /** The outcome in this run's own numbers, one paragraph; a figure not measured says so, never 0 or NaN. */
    public static String headline(ObjectNode mechanisms) {
        var m = mechanisms;
        JsonNode triggerWal = m.at("/trigger/leaderWalBytesPer1000Writes");
        JsonNode physicalWal = m.at("/physical/leaderWalBytesPer1000Writes");
        String walRatio = triggerWal.isNumber() && physicalWal.isNumber() && physicalWal.asDouble() > 0
                ? String.format(Locale.ROOT, "%.1f times", triggerWal.asDouble() / physicalWal.asDouble())
                : "(not measured) times";
        JsonNode random = m.at("/statement/nondeterministicSafe");
        return String.format(Locale.ROOT, """
                Measured here: with Bucardo's triggers the leader wrote %s the WAL records per write, and the
                trigger follower showed a write %s after its commit (p50); the physical standby %s, the
                logical subscriber %s. Through pgpool a write took %s more at p50 than on the leader alone,
                and its two nodes computed %s.""", walRatio,
                ms(m.at("/trigger/lagMs/p50"), "%.0f ms"), ms(m.at("/physical/lagMs/p50"), "%.1f ms"),
                ms(m.at("/logical/lagMs/p50"), "%.1f ms"), ms(m.at("/statement/writeLatency/overheadP50Ms"), "%+.1f ms"),
                !random.isBoolean() ? "random() values that were not compared"
                        : random.asBoolean() ? "the same random() value, this once" : "different random() values");
    }

    private static String ms(JsonNode v, String format) {
        return v.isNumber() ? String.format(Locale.ROOT, format, v.asDouble()) : "(not measured)";
    }

    /** The comparison, one row per mechanism, from the sections of {@code mechanisms}. */
    public static Table table(ObjectNode mechanisms, List<String> names) {
        var table = Table.create("mechanisms, measured in this run");
        List.of("mechanism", "bytes/1000 writes", "leader WAL/1000 writes", "write p50/p90 ms", "overhead p50/p90 ms",
                "lag p50/p90 ms", "across majors", "DDL", "sequences", "random() safe")
                .forEach(c -> table.addColumns(StringColumn.create(c)));
        for (String name : names) {
            var m = mechanisms.path(name);
            var latency = m.path("writeLatency");
            var lag = m.path("lagMs");
            var cells = List.of(name, kb(m.path("bytesPer1000Writes")), kb(m.path("leaderWalBytesPer1000Writes")),
                    pair(latency.path("p50Ms"), latency.path("p90Ms")),
                    pair(latency.path("overheadP50Ms"), latency.path("overheadP90Ms")),
                    pair(lag.path("p50"), lag.path("p90")), yesNo(m.path("crossVersion").path("works")),
                    yesNo(m.path("ddlReplicated")), yesNo(m.path("sequencesReplicated")), yesNo(m.path("nondeterministicSafe")));
            for (int i = 0; i < cells.size(); i++) {
                table.stringColumn(i).append(cells.get(i));
            }
        }
        return table;
    }

    /** The comparison's numbers as one slide: traffic, WAL, latency overhead and lag, a panel each. */
    public static Path chart(ObjectNode mechanisms, List<String> names, Path png) {
        return BarPanels.save(names, List.of(
                new BarPanels.Panel("Bytes on the wire per 1,000 writes", "kB",
                        series("kB", values(mechanisms, names, "bytesPer1000Writes", 1024)), false),
                new BarPanels.Panel("Leader WAL per 1,000 writes (records)", "kB",
                        series("kB", values(mechanisms, names, "leaderWalBytesPer1000Writes", 1024)), false),
                new BarPanels.Panel("Write latency overhead vs the leader alone", "ms",
                        series("p50", values(mechanisms, names, "writeLatency/overheadP50Ms", 1),
                                "p90", values(mechanisms, names, "writeLatency/overheadP90Ms", 1)), false),
                new BarPanels.Panel("Lag until the key is visible", "ms (log scale)",
                        series("p50", values(mechanisms, names, "lagMs/p50", 1),
                                "p90", values(mechanisms, names, "lagMs/p90", 1)), true)), png);
    }

    private static List<Double> values(ObjectNode mechanisms, List<String> names, String path, double divisor) {
        var values = new ArrayList<Double>();
        for (String name : names) {
            JsonNode v = mechanisms.path(name).at("/" + path);
            values.add(v.isNumber() ? v.asDouble() / divisor : null);
        }
        return values;
    }

    private static SequencedMap<String, List<Double>> series(String name, List<Double> values) {
        var series = new LinkedHashMap<String, List<Double>>();
        series.put(name, values);
        return series;
    }

    private static SequencedMap<String, List<Double>> series(String name, List<Double> values, String name2, List<Double> values2) {
        var series = series(name, values);
        series.put(name2, values2);
        return series;
    }

    private static Double median(List<Double> values) {
        if (values.isEmpty()) {
            return null;
        }
        return Latency.round(values.stream().sorted().toList().get(values.size() / 2));
    }

    private static String kb(JsonNode v) {
        return v.isNumber() ? String.format("%,.1f kB", v.asDouble() / 1024) : "not measured";
    }

    private static String pair(JsonNode a, JsonNode b) {
        return (a.isNumber() ? a.asText() : "—") + " / " + (b.isNumber() ? b.asText() : "—");
    }

    private static String yesNo(JsonNode v) {
        return v.isBoolean() ? (v.asBoolean() ? "yes" : "no") : "not tried";
    }
}
