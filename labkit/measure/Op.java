package labkit.measure;

import java.util.Objects;

/**
 * One operation of one client, as that client saw it (Jepsen's history entry): what it did to
 * which key, on which node, when it started and ended, and how it ended. Each write stores a
 * value that increases per key, so values order the versions of a key: a read's value is the
 * version it saw (0 for the row as it was before the run).
 *
 * <p>Times are nanoseconds on one clock shared by every client of the history (the lab's
 * {@code System.nanoTime()}); {@link History} turns them into milliseconds since its origin.
 *
 * @param value for a write the version it stored; for a read the version it saw, null when the read did not succeed
 * @param lsn   where known: the WAL position of a write's commit, or the position a read waited for; else null
 */
public record Op(String client, Kind kind, String key, Long value, String node, long startNanos, long endNanos,
                 Outcome outcome, String lsn) {

    public enum Kind { READ, WRITE }

    /** What the client learned, as in the ledger of writes. */
    public enum Outcome {
        /** It happened: the commit returned, or the read returned a row. */
        OK,
        /** Certainly did not happen (refused before anything was sent). */
        FAILED,
        /** A write sent whose answer never came: it may or may not have committed. Never evidence. */
        UNKNOWN
    }

    public Op {
        if (client == null || client.isBlank() || key == null || key.isBlank()) {
            throw new IllegalArgumentException("an operation needs a client and a key");
        }
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(outcome, "outcome");
        if (endNanos < startNanos) {
            throw new IllegalArgumentException("operation of " + client + " on " + key + " ends before it starts");
        }
        if (value == null && (kind == Kind.WRITE || outcome == Outcome.OK)) {
            throw new IllegalArgumentException("a write, and a read that succeeded, need a value (" + client + ", " + key + ")");
        }
    }

    public static Op write(String client, String key, long value, String node, long startNanos, long endNanos,
                           Outcome outcome, String lsn) {
        return new Op(client, Kind.WRITE, key, value, node, startNanos, endNanos, outcome, lsn);
    }

    public static Op read(String client, String key, Long value, String node, long startNanos, long endNanos,
                          Outcome outcome, String lsn) {
        return new Op(client, Kind.READ, key, value, node, startNanos, endNanos, outcome, lsn);
    }

    public boolean ok() {
        return outcome == Outcome.OK;
    }

    public double latencyMs() {
        return (endNanos - startNanos) / 1e6;
    }
}
