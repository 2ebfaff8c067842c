package labkit.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import labkit.measure.ConsistencyChecker.Result;
import labkit.measure.Op.Outcome;
import org.junit.jupiter.api.Test;

/** The checker is exact: hand-made histories whose anomalies are known, counted one by one. */
class ConsistencyCheckerTest {
    static final String PRIMARY = "postgres-primary";
    static final String STANDBY = "postgres-standby";

    static long ms(double ms) {
        return Math.round(ms * 1_000_000);
    }

    static Op write(String client, String key, long value, double startMs, double endMs, Outcome outcome) {
        return Op.write(client, key, value, PRIMARY, ms(startMs), ms(endMs), outcome, null);
    }

    static Op read(String client, String key, long value, double startMs, double endMs) {
        return read(client, key, value, STANDBY, startMs, endMs);
    }

    static Op read(String client, String key, long value, String node, double startMs, double endMs) {
        return Op.read(client, key, value, node, ms(startMs), ms(endMs), Outcome.OK, null);
    }

    static Result check(Op... ops) {
        var h = new History("test", 0);
        List.of(ops).forEach(h::add);
        return ConsistencyChecker.check(h);
    }

    @Test
    void anEmptyHistoryMeasuresNothing() {
        var r = check();
        assertEquals(0, r.reads());
        assertNull(r.staleRate());
        assertNull(r.readYourWritesRate());
        assertNull(r.nonMonotonicRate());
    }

    @Test
    void aReadIsStaleOnlyWhenANewerAcknowledgedWriteEndedBeforeItBegan() {
        var r = check(
                write("a", "k", 1, 0, 10, Outcome.OK),
                write("a", "k", 2, 20, 30, Outcome.OK),
                read("b", "k", 0, 12, 13),   // stale: version 1 was done at 10
                read("b", "k", 1, 25, 27),   // not stale: version 2 was still committing
                read("b", "k", 1, 30, 31),   // not stale: began the instant version 2 was done
                read("b", "k", 1, 35, 36),   // stale: version 2 was done at 30
                read("b", "k", 2, 40, 41),
                read("b", "other", 0, 40, 41)); // no write to this key
        assertEquals(6, r.reads());
        assertEquals(2, r.staleReads());
        assertEquals(2.0 / 6, r.staleRate());
        assertEquals(List.of(ms(12), ms(35)), r.stale().stream().map(a -> a.read().startNanos()).toList());
        assertEquals(List.of(1L, 2L), r.stale().stream().map(a -> a.evidence().value()).toList());
        assertEquals(0, r.readsAfterOwnWrite(), "b never wrote");
        assertEquals(0, r.readYourWritesViolations());
        assertNull(r.readYourWritesRate());
    }

    @Test
    void theEvidenceIsTheNewestVersionDoneBeforeTheRead() {
        var r = check(
                write("a", "k", 3, 0, 8, Outcome.OK),
                write("c", "k", 2, 0, 5, Outcome.OK), // done earlier, but an older version
                read("b", "k", 1, 10, 11));
        assertEquals(1, r.staleReads());
        assertEquals(3L, r.stale().get(0).evidence().value());
        assertEquals(2.0, r.stale().get(0).gapMs(), 1e-9);
    }

    @Test
    void readYourWritesCountsOnlyTheReadersOwnWrites() {
        var r = check(
                write("a", "k", 1, 0, 5, Outcome.OK),
                read("a", "k", 0, 6, 7),   // a misses its own write: both anomalies
                read("a", "k", 1, 8, 9),
                write("b", "j", 1, 0, 5, Outcome.OK),
                read("c", "j", 0, 6, 7),   // c misses b's write: stale, but not c's own
                read("a", "j", 0, 6, 7));  // a never wrote j: stale only
        assertEquals(4, r.reads());
        assertEquals(3, r.staleReads());
        assertEquals(2, r.readsAfterOwnWrite());
        assertEquals(1, r.readYourWritesViolations());
        assertEquals(0.5, r.readYourWritesRate());
        var example = r.readYourWrites().get(0);
        assertEquals("a", example.read().client());
        assertEquals("a wrote k=1 on postgres-primary (done at 0.005 s), then a read k=0 from postgres-standby 1.0 ms later",
                example.describe(new History("test", 0)));
    }

    @Test
    void aWriteOfUnknownOrFailedOutcomeIsNeverEvidence() {
        var r = check(
                write("a", "k", 5, 0, 10, Outcome.UNKNOWN),
                write("a", "k", 6, 0, 10, Outcome.FAILED),
                read("a", "k", 0, 20, 21),  // a's own writes, but neither was acknowledged
                read("b", "k", 5, 22, 23),  // the unknown write did commit: b sees it
                read("c", "k", 0, 24, 25)); // c does not: not stale, nothing acknowledged says it should
        assertEquals(3, r.reads());
        assertEquals(0, r.staleReads());
        assertEquals(0, r.readsAfterOwnWrite());
        assertEquals(0, r.readYourWritesViolations());
        assertEquals(0, r.nonMonotonicReads());
    }

    @Test
    void nonMonotonicIsPerClientAndKeyAgainstReadsThatHadEnded() {
        var r = check(
                read("a", "k", 3, 0, 1),
                read("a", "k", 5, 2, 3),
                read("a", "k", 4, 4, 5),       // back in time: a had seen 5
                read("a", "k", 5, 6, 7),
                read("a", "k", 2, 8, 9),       // back in time again
                read("b", "k", 1, 10, 11),     // b has seen nothing of k yet
                read("a", "j", 1, 12, 13),     // another key: its own history
                read("a", "m", 9, 20, 30),
                read("a", "m", 1, 25, 26),     // overlaps the read of 9: not yet "already read"
                read("a", "m", 1, 31, 32));    // after it: back in time
        assertEquals(10, r.reads());
        // k: a's four reads after its first; m: only the read after the read of 9 had ended
        assertEquals(5, r.readsAfterOwnRead());
        assertEquals(3, r.nonMonotonicReads());
        assertEquals(0.6, r.nonMonotonicRate());
        assertEquals(List.of(5L, 5L, 9L), r.nonMonotonic().stream().map(a -> a.evidence().value()).toList());
        assertEquals(0, r.staleReads(), "no writes at all");
    }

    @Test
    void failedReadsAreNotCounted() {
        var h = new History("test", 0);
        h.add(write("a", "k", 1, 0, 5, Outcome.OK));
        h.add(Op.read("a", "k", null, STANDBY, ms(6), ms(7), Outcome.FAILED, null));
        var r = ConsistencyChecker.check(h);
        assertEquals(0, r.reads());
        assertEquals(0, r.readsAfterOwnWrite());
        assertNull(r.staleRate());
    }

    @Test
    void stickyAndSwitchingReadersOfOneWorkload() {
        // Two standbys: "fast" has version 2 from t=10, "slow" only from t=40. A sticky reader stays
        // on one; a balancing reader alternates and goes back in time when it lands on "slow".
        var r = check(
                write("w", "k", 1, 0, 1, Outcome.OK),
                write("w", "k", 2, 9, 10, Outcome.OK),
                read("sticky", "k", 1, "slow", 12, 13),
                read("sticky", "k", 1, "slow", 22, 23),
                read("sticky", "k", 2, "slow", 42, 43),
                read("balancer", "k", 2, "fast", 12, 13),
                read("balancer", "k", 1, "slow", 22, 23),  // back in time
                read("balancer", "k", 2, "fast", 32, 33),
                read("balancer", "k", 2, "slow", 42, 43));
        assertEquals(1, r.nonMonotonicReads());
        assertEquals("balancer", r.nonMonotonic().get(0).read().client());
        assertEquals(3, r.staleReads(), "every read of version 1 after t=10 is stale, sticky or not");
    }
}
