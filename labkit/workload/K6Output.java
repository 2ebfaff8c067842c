//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.workload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import labkit.workload.Ledger.Outcome;

/**
 * Turns what k6/pagila_read_write_test.js emits through k6's JSON output ({@code --out json=FILE}:
 * one object per line; {@code {"type":"Point","metric":…,"data":{"time","value","tags","metadata"}}})
 * into the lab's ledger and reads, on the lab's clock.
 *
 * <p>Per operation the script emits a "sent" sample just before the statement leaves and a
 * "duration" sample, tagged with the outcome, when it returns; both carry the operation's key as
 * metadata. The samples' times (nanoseconds, k6's wall clock) become the sent and done times. k6
 * starts an arrival-rate iteration at its scheduled time or drops it, so sent is also the
 * intended start. An operation that was sent but has no outcome when k6 stopped (k6 discards the
 * samples of interrupted iterations) is a write of unknown outcome, or a failed read.
 */
final class K6Output {
    static final String WRITE_SENT = "pglab_write_sent";
    static final String WRITE_DONE = "pglab_write_duration";
    static final String READ_SENT = "pglab_read_sent";
    static final String READ_DONE = "pglab_read_duration";
    static final String DROPPED = "dropped_iterations";
    static final String UNFINISHED = "k6 stopped before the outcome was known";

    private static final ObjectMapper JSON = new ObjectMapper();

    private K6Output() {}

    /** What one k6 run's output held. {@code malformed}: lines that are not JSON, e.g. the last one of a killed k6. */
    public record Counts(long writes, long reads, long unfinishedWrites, long dropped, long malformed) {}

    /**
     * Reads a whole output file. {@code originEpochNanos}: the wall-clock time of the lab clock's
     * origin, in nanoseconds since the epoch; {@code stopNanos}: when k6 was told to stop, on the
     * lab clock (the completion time of operations k6 left unfinished).
     */
    public static Counts read(Path file, Ledger ledger, Consumer<LoadDriver.Read> reads, String node,
                              long originEpochNanos, long stopNanos) {
        var collector = new Collector(ledger, reads, node, originEpochNanos);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read k6 output " + file, e);
        }
        int start = 0;
        for (int nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
            collector.accept(text.substring(start, nl));
            start = nl + 1;
        }
        if (start < text.length()) {
            collector.cut();
        }
        return collector.finish(stopNanos);
    }

    public static long epochNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** Takes k6's output line by line, as it is written (the driver tails the file while k6 runs). */
    static final class Collector {
        private final Ledger ledger;
        private final Consumer<LoadDriver.Read> reads;
        private final String node;
        private final long originEpochNanos;
        private final Map<String, Long> writesSent = new HashMap<>();
        private final Map<String, Long> readsSent = new HashMap<>();
        private final Set<String> completed = new HashSet<>();
        private long writes;
        private long readCount;
        private long dropped;
        private long malformed;

        Collector(Ledger ledger, Consumer<LoadDriver.Read> reads, String node, long originEpochNanos) {
            this.ledger = ledger;
            this.reads = reads;
            this.node = node;
            this.originEpochNanos = originEpochNanos;
        }

        void accept(String line) {
            if (line.isBlank()) {
                return;
            }
            JsonNode sample;
            long at;
            try {
                sample = JSON.readTree(line);
                if (!"Point".equals(sample.path("type").asText())) {
                    return;
                }
                at = epochNanos(OffsetDateTime.parse(sample.path("data").path("time").asText()).toInstant())
                        - originEpochNanos;
            } catch (JsonProcessingException | DateTimeParseException e) {
                malformed++;
                return;
            }
            JsonNode data = sample.path("data");
            String metric = sample.path("metric").asText();
            String key = data.path("metadata").path("key").asText(null);
            switch (metric) {
                case WRITE_SENT -> sent(writesSent, key, at);
                case READ_SENT -> sent(readsSent, key, at);
                case WRITE_DONE -> {
                    if (key != null && completed.add(key)) {
                        long sent = started(writesSent, key, at, data);
                        ledger.record(new Ledger.Write(key, sent, sent, at, outcome(data.path("tags").path("outcome").asText()),
                                node, data.path("metadata").path("error").asText(null)));
                        writes++;
                    }
                }
                case READ_DONE -> {
                    if (key != null && completed.add(key)) {
                        long sent = started(readsSent, key, at, data);
                        reads.accept(new LoadDriver.Read(sent, at, "ok".equals(data.path("tags").path("outcome").asText())));
                        readCount++;
                    }
                }
                case DROPPED -> dropped += data.path("value").asLong();
                default -> {
                    // k6's own metrics (iterations, checks, vus, …): the summary shows them
                }
            }
        }

        /** The output ended in the middle of a line: k6 was killed while writing it. */
        void cut() {
            malformed++;
        }

        /** Operations sent and never completed: unknown writes, failed reads, done when k6 was stopped. */
        Counts finish(long stopNanos) {
            writesSent.forEach((key, sent) -> ledger.record(new Ledger.Write(key, sent, sent, Math.max(sent, stopNanos),
                    Outcome.UNKNOWN, node, UNFINISHED)));
            readsSent.forEach((key, sent) -> reads.accept(new LoadDriver.Read(sent, Math.max(sent, stopNanos), false)));
            var counts = new Counts(writes + writesSent.size(), readCount + readsSent.size(), writesSent.size(), dropped,
                    malformed);
            writesSent.clear();
            readsSent.clear();
            return counts;
        }

        private void sent(Map<String, Long> pending, String key, long at) {
            if (key != null && !completed.contains(key)) {
                pending.put(key, at);
            }
        }

        /**
         * When the operation left: its "sent" sample, or, should that be missing, its completion
         * minus the duration the script measured (milliseconds).
         */
        private static long started(Map<String, Long> pending, String key, long done, JsonNode data) {
            Long sent = pending.remove(key);
            return sent != null ? sent : done - Math.round(data.path("value").asDouble() * 1e6);
        }

        private static Outcome outcome(String tag) {
            return switch (tag) {
                case "ok" -> Outcome.OK;
                case "failed" -> Outcome.FAILED;
                // "unknown", or anything this parser does not know: never claim more than the client knew
                default -> Outcome.UNKNOWN;
            };
        }
    }
}
