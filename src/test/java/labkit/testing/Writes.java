package labkit.testing;

import labkit.workload.Ledger.Outcome;
import labkit.workload.Ledger.Write;

/** Hand-made ledger entries for the tests of the ledger and of what reads it (the audit). */
public final class Writes {
    private Writes() {}

    /** A write sent 1 ms and intended 2 ms before it completed at {@code doneMs}; not-OK writes carry an error. */
    public static Write write(String key, long doneMs, Outcome outcome) {
        long done = doneMs * 1_000_000L;
        return new Write(key, done - 2_000_000L, done - 1_000_000L, done, outcome, "postgres-primary",
                outcome == Outcome.OK ? null : "connection refused");
    }
}
