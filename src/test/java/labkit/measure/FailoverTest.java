package labkit.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import labkit.cluster.LabException;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Ledger.Write;
import org.junit.jupiter.api.Test;

/** The RTO read from hand-made ledgers whose answers are known (times in ms on the lab clock). */
class FailoverTest {
    private static final long MS = 1_000_000L;

    private static Write write(String key, long sentMs, long doneMs, Outcome outcome, String node) {
        return new Write(key, sentMs * MS, sentMs * MS, doneMs * MS, outcome, node, outcome == Outcome.OK ? null : "x");
    }

    @Test
    void theRtoRunsFromTheFirstFailedWritesSendTimeToTheFirstOkOnTheNewPrimary() {
        var ledger = new Ledger();
        ledger.record(write("ok-before", 900, 905, Outcome.OK, "old"));
        // in flight when the primary died at 1000: sent before it, it ends (unknown) after it
        ledger.record(write("in-flight", 990, 1200, Outcome.UNKNOWN, "old"));
        // refused at once, but sent later than the in-flight one: not where the RTO starts
        ledger.record(write("refused", 1010, 1010, Outcome.FAILED, "old"));
        // an old failure, before the fault: not this failover's
        ledger.record(write("earlier-failure", 500, 510, Outcome.FAILED, "old"));
        ledger.record(write("first-on-new", 4100, 4150, Outcome.OK, "new"));
        ledger.record(write("second-on-new", 4120, 4130, Outcome.OK, "new"));
        var f = Failover.measure(ledger, "new", 1000 * MS, 3500 * MS, 4000 * MS);
        assertEquals("in-flight", f.firstFailure().key());
        assertEquals("second-on-new", f.firstOk().key(), "the first to be acknowledged, not the first sent");
        assertEquals(4130 - 990, f.rtoMs(), 1e-9);
        assertEquals(3500 - 990, f.detectMs(), 1e-9);
        assertEquals(500, f.promoteMs(), 1e-9);
        assertEquals(130, f.rerouteMs(), 1e-9);
    }

    @Test
    void withoutAFailedWriteOrAWriteOnTheNewPrimaryThereIsNoRto() {
        var none = new Ledger();
        none.record(write("ok", 10, 20, Outcome.OK, "old"));
        assertThrows(LabException.class, () -> Failover.measure(none, "new", 0, 1, 2));
        var noneOnNew = new Ledger();
        noneOnNew.record(write("failed", 10, 20, Outcome.FAILED, "old"));
        noneOnNew.record(write("ok-on-old", 30, 40, Outcome.OK, "old"));
        assertThrows(LabException.class, () -> Failover.measure(noneOnNew, "new", 0, 1, 2));
    }
}
