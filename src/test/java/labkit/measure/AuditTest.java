package labkit.measure;

import static labkit.testing.Writes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Ledger.Write;
import org.junit.jupiter.api.Test;

/** The audit is exact: checked by key against hand-made ledgers whose answers are known. */
class AuditTest {

    private static List<String> keys(List<Write> writes) {
        return writes.stream().map(Write::key).toList();
    }

    @Test
    void noWritesNothingLost() {
        var r = Audit.of(new Ledger(), Set.of("left-over-row"));
        assertEquals(new Audit.Result(0, 0, 0, 0, List.of(), 0, 0, 0), r);
    }

    @Test
    void nothingLostWhenEveryAckedKeyIsPresent() {
        var ledger = new Ledger();
        ledger.record(write("a", 10, Outcome.OK));
        ledger.record(write("b", 20, Outcome.OK));
        ledger.record(write("x", 30, Outcome.FAILED));
        var r = Audit.of(ledger, Set.of("a", "b"));
        assertEquals(new Audit.Result(2, 1, 0, 0, List.of(), 0, 0, 0), r);
    }

    @Test
    void lostAckedAreTheOkKeysAbsentNewestLastAndRpoByCompletionTime() {
        var ledger = new Ledger();
        // recorded out of completion order, as concurrent virtual users do
        ledger.record(write("d", 400, Outcome.OK));
        ledger.record(write("a", 100, Outcome.OK));
        ledger.record(write("c", 300, Outcome.OK));
        ledger.record(write("b", 200, Outcome.OK));
        ledger.record(write("e", 250, Outcome.OK));
        ledger.record(write("f", 500, Outcome.FAILED));

        var r = Audit.of(ledger, Set.of("a", "b", "e", "some-older-row"));

        assertEquals(5, r.ok());
        assertEquals(1, r.failed());
        assertEquals(2, r.lostAcked());
        assertEquals(List.of("c", "d"), keys(r.lost()));
        assertEquals(List.of("d"), keys(r.lastLost(1)));
        assertEquals(List.of("c", "d"), keys(r.lastLost(10)));
        // newest surviving acked: e done at 250 ms; newest acked: d done at 400 ms
        assertEquals(150.0, r.rpoMs(), 1e-9);
    }

    @Test
    void allAckedLostOpensTheWindowAtTheWorkloadsFirstIntendedStart() {
        var ledger = new Ledger();
        ledger.record(write("a", 100, Outcome.OK)); // intended at 98 ms
        ledger.record(write("b", 200, Outcome.OK));
        ledger.record(write("u", 300, Outcome.UNKNOWN));

        var r = Audit.of(ledger, Set.of());

        assertEquals(2, r.lostAcked());
        assertEquals(List.of("a", "b"), keys(r.lost()));
        assertEquals(200.0 - 98.0, r.rpoMs(), 1e-9);
        assertEquals(0, r.unknownPresent());
        assertEquals(1, r.unknownAbsent());
    }

    @Test
    void unknownWritesAreReportedApartAndNeverCountedAsLost() {
        var ledger = new Ledger();
        ledger.record(write("ok1", 100, Outcome.OK));
        ledger.record(write("u-committed", 150, Outcome.UNKNOWN));
        ledger.record(write("u-gone-1", 160, Outcome.UNKNOWN));
        ledger.record(write("u-gone-2", 170, Outcome.UNKNOWN));
        ledger.record(write("refused", 180, Outcome.FAILED));

        var r = Audit.of(ledger, Set.of("ok1", "u-committed"));

        assertEquals(new Audit.Result(1, 1, 3, 0, List.of(), 0, 1, 2), r);
    }

    @Test
    void aDuplicatedKeyCannotReachTheAudit() {
        var ledger = new Ledger();
        ledger.record(write("k", 100, Outcome.OK));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ledger.record(write("k", 200, Outcome.OK)));
        var r = Audit.of(ledger, Set.of());
        assertEquals(1, r.ok());
        assertEquals(1, r.lostAcked());
    }

    @Test
    void unknownWritesAreSplitByWhetherTheyLeftBeforeTheFault() {
        var ledger = new Ledger();
        ledger.record(write("ok", 100, Outcome.OK));
        ledger.record(write("in-flight", 150, Outcome.UNKNOWN)); // sent at 149 ms
        ledger.record(write("after-1", 152, Outcome.UNKNOWN)); // sent at 151 ms
        ledger.record(write("after-2", 170, Outcome.UNKNOWN));

        var r = Audit.of(ledger, Set.of("ok", "in-flight"), 150_000_000L);

        assertEquals(1L, r.unknownSentBeforeFault());
        assertEquals(2L, r.unknownSentAfterFault());
        assertEquals(1, r.unknownPresent());
        assertEquals(null, Audit.of(ledger, Set.of()).unknownSentBeforeFault(), "not told when the fault struck");
    }

    @Test
    void aNewerWriteThatSurvivedDoesNotMakeTheRpoZero() {
        var ledger = new Ledger();
        ledger.record(write("a", 100, Outcome.OK));
        ledger.record(write("b", 200, Outcome.OK)); // acknowledged, absent on the survivor
        ledger.record(write("c", 260, Outcome.OK)); // acknowledged, absent
        ledger.record(write("d", 300, Outcome.OK)); // acknowledged after b and c, and it survived
        var r = Audit.of(ledger, Set.of("a", "d"));
        assertEquals(2, r.lostAcked());
        assertEquals(260.0 - 100.0, r.rpoMs(), 1e-9, "from a, the newest survivor before b, to c, the newest lost");
        assertEquals(0.26, r.rpoWindowSeconds()[1], 1e-9);
    }

    @Test
    void theRpoWindowEndsAtTheNewestLostWriteAndSpansTheRpo() {
        var ledger = new Ledger();
        ledger.record(write("a", 1_000, Outcome.OK));
        ledger.record(write("b", 1_040, Outcome.OK));
        ledger.record(write("c", 1_090, Outcome.OK));
        var r = Audit.of(ledger, Set.of("a"));
        assertEquals(1.0, r.rpoWindowSeconds()[0], 1e-9);
        assertEquals(1.09, r.rpoWindowSeconds()[1], 1e-9);
        assertEquals(null, Audit.of(ledger, Set.of("a", "b", "c")).rpoWindowSeconds(), "nothing lost: no window");
    }
}
