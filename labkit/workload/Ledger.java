//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Predicate;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

/**
 * Every write of a lab's workload, recorded the way Jepsen records a history: a client-made
 * unique key, its intended start, send and completion times, and one outcome. The audit
 * (labkit.measure.Audit) compares it with what a surviving node still has.
 *
 * <p>Times are nanoseconds since the run's start (the lab's clock origin), so the ledger, the
 * lag samples and the fault events share one time axis. Thread-safe: many virtual users append.
 */
public final class Ledger {

    /** What the client learned about a write. */
    public enum Outcome {
        /** Acknowledged: the commit returned. */
        OK,
        /** Certainly not applied, e.g. the connection was refused before anything was sent. */
        FAILED,
        /** Sent, then the connection broke: it may or may not have committed. Never counted as lost. */
        UNKNOWN
    }

    /**
     * One write. {@code node} is the name of the node it was sent to; {@code error} is null for
     * OK writes. For a write refused before sending, {@code sentNanos} is the moment of the attempt.
     */
    public record Write(String key, long intendedNanos, long sentNanos, long doneNanos,
                        Outcome outcome, String node, String error) {
        public Write {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("a write needs a client-generated key");
            }
            Objects.requireNonNull(outcome, "outcome");
        }

        /** From the intended start (open model: no coordinated omission) to completion. */
        public double latencyMs() {
            return (doneNanos - intendedNanos) / 1e6;
        }
    }

    private final List<Write> writes = new ArrayList<>();
    private final Set<String> keys = new HashSet<>();

    /** Appends a write; a key seen before is a bug in the workload (the audit checks by key). */
    public synchronized void record(Write write) {
        if (!keys.add(write.key())) {
            throw new IllegalArgumentException("duplicate write key " + write.key() + ": keys must be unique");
        }
        writes.add(write);
    }

    /** A snapshot, in the order the writes were recorded. */
    public synchronized List<Write> writes() {
        return List.copyOf(writes);
    }

    public synchronized int size() {
        return writes.size();
    }

    public synchronized long count(Outcome outcome) {
        return writes.stream().filter(w -> w.outcome() == outcome).count();
    }

    public long ok() {
        return count(Outcome.OK);
    }

    public long failed() {
        return count(Outcome.FAILED);
    }

    public long unknown() {
        return count(Outcome.UNKNOWN);
    }

    public Set<String> okKeys() {
        return keys(Outcome.OK);
    }

    public Set<String> unknownKeys() {
        return keys(Outcome.UNKNOWN);
    }

    private synchronized Set<String> keys(Outcome outcome) {
        var result = new LinkedHashSet<String>();
        writes.stream().filter(w -> w.outcome() == outcome).forEach(w -> result.add(w.key()));
        return result;
    }

    /** The first acknowledged write completed after {@code nanos} (e.g. on the new primary): where RTO ends. */
    public synchronized Optional<Write> firstOkAfter(long nanos) {
        return writes.stream().filter(w -> w.outcome() == Outcome.OK && w.doneNanos() > nanos)
                .min(Comparator.comparingLong(Write::doneNanos));
    }

    /** The writes of several ledgers that match, in one ledger (two application servers, audited together). */
    public static Ledger merged(Predicate<Write> matching, List<Ledger> ledgers) {
        var all = new Ledger();
        ledgers.forEach(l -> l.writes().stream().filter(matching).forEach(all::record));
        return all;
    }

    /** Acknowledged writes on {@code node} (any node when null) that completed between two moments (ns). */
    public synchronized long okOn(String node, long fromNanos, long toNanos) {
        return writes.stream().filter(w -> w.outcome() == Outcome.OK && w.doneNanos() > fromNanos
                && w.doneNanos() < toNanos && (node == null || node.equals(w.node()))).count();
    }

    /** When the first write {@code node} acknowledged was sent; empty while there is none. */
    public synchronized OptionalLong firstOkSentOn(String node) {
        return writes.stream().filter(w -> w.outcome() == Outcome.OK && w.node().equals(node))
                .mapToLong(Write::sentNanos).min();
    }

    /** The whole seconds between two moments (ns) in which no write was acknowledged: how long writes stalled. */
    public long stalledSeconds(long fromNanos, long toNanos) {
        var ok = perSecond().intColumn("ok");
        long stalled = 0;
        for (int s = (int) Math.ceil(fromNanos / 1e9); s + 1 <= toNanos / 1e9; s++) {
            if (s >= ok.size() || ok.getInt(s) == 0) {
                stalled++;
            }
        }
        return stalled;
    }

    /** The newest acknowledged write, by completion time. */
    public synchronized Optional<Write> lastOk() {
        return writes.stream().filter(w -> w.outcome() == Outcome.OK).max(Comparator.comparingLong(Write::doneNanos));
    }

    /**
     * Writes completed in each second since the run's start, one row per second from 0 to the
     * last completion (seconds without writes are rows of zeros, so a stall shows as a gap):
     * columns {@code second, ok, failed, unknown}.
     */
    public synchronized Table perSecond() {
        int seconds = writes.stream().mapToInt(w -> second(w) + 1).max().orElse(0);
        int[][] counts = new int[Outcome.values().length][seconds];
        for (Write w : writes) {
            counts[w.outcome().ordinal()][second(w)]++;
        }
        int[] second = new int[seconds];
        for (int i = 0; i < seconds; i++) {
            second[i] = i;
        }
        return Table.create("writes_per_second",
                IntColumn.create("second", second),
                IntColumn.create("ok", counts[Outcome.OK.ordinal()]),
                IntColumn.create("failed", counts[Outcome.FAILED.ordinal()]),
                IntColumn.create("unknown", counts[Outcome.UNKNOWN.ordinal()]));
    }

    private static int second(Write w) {
        return (int) Math.max(0, w.doneNanos() / 1_000_000_000L);
    }

    /**
     * One row per write, in recording order, times in milliseconds since the run's start
     * (microsecond precision), for out/&lt;lab&gt;/writes.csv.
     */
    public void writeCsv(Path file) {
        var lines = new ArrayList<String>();
        lines.add("key,outcome,node,intended_ms,sent_ms,done_ms,latency_ms,error");
        for (Write w : writes()) {
            lines.add(String.join(",", csv(w.key()), w.outcome().name().toLowerCase(Locale.ROOT), csv(w.node()),
                    ms(w.intendedNanos()), ms(w.sentNanos()), ms(w.doneNanos()),
                    String.format(Locale.ROOT, "%.3f", w.latencyMs()), csv(w.error())));
        }
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    /** RFC 4180 quoting: JDBC error messages carry commas, quotes and line breaks. */
    private static String csv(String value) {
        if (value == null) {
            return "";
        }
        if (value.matches("[^,\"\r\n]*")) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }
}
