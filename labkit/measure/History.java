//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.measure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import labkit.cluster.LabException;

/**
 * Every operation of every client of one experiment (e.g. "read-after-write, no fix"), the input
 * of {@link ConsistencyChecker}. Thread-safe: clients append as they go.
 *
 * <p>Exported as JSON lines, one operation a line, so that an outside checker (Elle, Knossos, a
 * notebook) can read what the lab saw: {@code {"history":"raw-none","client":"c3","type":"write",
 * "key":"customer:3","value":17,"node":"postgres-primary","start_ms":1532.118,"end_ms":1534.902,
 * "outcome":"ok","lsn":"0/3000148"}}; times are milliseconds since the history's origin, to the microsecond.
 */
public final class History {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final long originNanos;
    private final List<Op> ops = new ArrayList<>();

    /** @param originNanos the instant that export writes as 0 ms (the lab's start) */
    public History(String name, long originNanos) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a history needs a name");
        }
        this.name = name;
        this.originNanos = originNanos;
    }

    public String name() {
        return name;
    }

    public long originNanos() {
        return originNanos;
    }

    public synchronized void add(Op op) {
        ops.add(op);
    }

    /** A snapshot, in order of start (the order of completion when clients append late does not matter). */
    public synchronized List<Op> ops() {
        return ops.stream().sorted(Comparator.comparingLong(Op::startNanos)).toList();
    }

    public synchronized int size() {
        return ops.size();
    }

    /** From the first operation's start to the last one's end: the probe run these operations are. */
    public synchronized Window window() {
        long from = ops.stream().mapToLong(Op::startNanos).min().orElse(originNanos);
        long to = ops.stream().mapToLong(Op::endNanos).max().orElse(from);
        return new Window("probe start", (from - originNanos) / 1e9, "probe end", (to - originNanos) / 1e9);
    }

    /** The latencies of the operations of {@code kind} that succeeded, in ms. */
    public List<Double> latencyMs(Op.Kind kind) {
        return ops().stream().filter(o -> o.kind() == kind && o.ok()).map(Op::latencyMs).toList();
    }

    /** Milliseconds since the origin, rounded to the microsecond. */
    public double ms(long nanos) {
        return Math.round((nanos - originNanos) / 1e3) / 1e3;
    }

    /** Writes the histories to one file of JSON lines, each line naming its history. */
    public static void writeJsonLines(Path file, Collection<History> histories) {
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (History h : histories) {
                for (Op op : h.ops()) {
                    out.write(JSON.writeValueAsString(h.json(op)));
                    out.newLine();
                }
            }
        } catch (IOException e) {
            throw new LabException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a file of {@link #writeJsonLines}: the histories in the order they first appear, origin 0. */
    public static Map<String, History> readJsonLines(Path file) {
        var histories = new LinkedHashMap<String, History>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode j = JSON.readTree(line);
                histories.computeIfAbsent(j.path("history").asText(), n -> new History(n, 0)).add(op(j));
            }
        } catch (IOException e) {
            throw new LabException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return histories;
    }

    private ObjectNode json(Op op) {
        ObjectNode j = JSON.createObjectNode();
        j.put("history", name);
        j.put("client", op.client());
        j.put("type", op.kind().name().toLowerCase(Locale.ROOT));
        j.put("key", op.key());
        if (op.value() == null) {
            j.putNull("value");
        } else {
            j.put("value", op.value());
        }
        j.put("node", op.node());
        j.put("start_ms", ms(op.startNanos()));
        j.put("end_ms", ms(op.endNanos()));
        j.put("outcome", op.outcome().name().toLowerCase(Locale.ROOT));
        j.put("lsn", op.lsn());
        return j;
    }

    private static Op op(JsonNode j) {
        JsonNode value = j.path("value");
        return new Op(j.path("client").asText(), Op.Kind.valueOf(j.path("type").asText().toUpperCase(Locale.ROOT)),
                j.path("key").asText(), value.isNull() || value.isMissingNode() ? null : value.asLong(),
                j.path("node").isNull() ? null : j.path("node").asText(),
                Math.round(j.path("start_ms").asDouble() * 1e6), Math.round(j.path("end_ms").asDouble() * 1e6),
                Op.Outcome.valueOf(j.path("outcome").asText().toUpperCase(Locale.ROOT)),
                j.path("lsn").isNull() || j.path("lsn").isMissingNode() ? null : j.path("lsn").asText());
    }
}
