package labkit.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import labkit.measure.Audit;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Ledger.Write;
import org.junit.jupiter.api.Test;

/**
 * k6's JSON output (src/test/resources/k6/pagila-run.json, written in the format of k6's JSON
 * output, times in k6's local zone at +01:00) turned into the ledger: every time, outcome and
 * error checked to the nanosecond, and audited exactly like a ledger of the built-in driver.
 */
class K6OutputTest {
    private static final String NODE = "postgres-primary";
    /** The lab clock's origin was 10:15:00 UTC: a sample at 11:15:30.001234567+01:00 is at 30.001234567 s. */
    private static final long ORIGIN = K6Output.epochNanos(Instant.parse("2026-03-02T10:15:00Z"));
    private static final long STOP = s(31, 0);
    private static final String K = "k6-fix-writes-1-";

    private static long s(int seconds, long nanos) {
        return seconds * 1_000_000_000L + nanos;
    }

    private static Write write(int i, long sent, long done, Outcome outcome, String error) {
        return new Write(K + i, sent, sent, done, outcome, NODE, error);
    }

    /** What the fixture holds, written by hand as the built-in driver would record it. */
    private static List<Write> expected() {
        return List.of(
                write(0, s(30, 1_234_567), s(30, 3_456_789), Outcome.OK, null),
                write(1, s(30, 101_000_000), s(30, 102_500_000), Outcome.OK, null),
                write(2, s(30, 100_500_000), s(30, 140_000_000), Outcome.OK, null),
                write(3, s(30, 200_000_000), s(30, 200_900_000), Outcome.UNKNOWN,
                        "read tcp 172.18.0.4:51234->172.18.0.2:5432: read: connection reset by peer"),
                write(4, s(30, 300_000_000), s(30, 300_400_000), Outcome.FAILED,
                        "dial tcp 172.18.0.2:5432: connect: connection refused"),
                // its outcome came before its "sent" line: sent = done - the 1 ms the script measured
                write(5, s(30, 400_000_000), s(30, 401_000_000), Outcome.OK, null),
                // sent, and k6 stopped before it completed
                write(6, s(30, 500_000_000), STOP, Outcome.UNKNOWN, K6Output.UNFINISHED));
    }

    private static Path fixture() throws URISyntaxException {
        return Path.of(K6OutputTest.class.getResource("/k6/pagila-run.json").toURI());
    }

    private record Parsed(Ledger ledger, List<LoadDriver.Read> reads, K6Output.Counts counts) {}

    private static Parsed parse() throws URISyntaxException {
        var ledger = new Ledger();
        var reads = new ArrayList<LoadDriver.Read>();
        var counts = K6Output.read(fixture(), ledger, reads::add, NODE, ORIGIN, STOP);
        return new Parsed(ledger, reads, counts);
    }

    private static List<Write> byKey(List<Write> writes) {
        return writes.stream().sorted(Comparator.comparing(Write::key)).toList();
    }

    @Test
    void writesBecomeLedgerEntriesWithTheirTimesOutcomesAndErrors() throws Exception {
        var parsed = parse();
        assertEquals(expected(), byKey(parsed.ledger().writes()));
    }

    @Test
    void readsAreTimedFromTheirSentSampleAndUnfinishedOnesFailed() throws Exception {
        var reads = parse().reads().stream().sorted(Comparator.comparingLong(LoadDriver.Read::intendedNanos)).toList();
        assertEquals(List.of(
                new LoadDriver.Read(s(30, 50_000_000), s(30, 52_000_000), true),
                new LoadDriver.Read(s(30, 250_000_000), s(30, 251_500_000), false),
                new LoadDriver.Read(s(30, 510_000_000), STOP, false)), reads);
        assertEquals(2.0, reads.getFirst().latencyMs(), 1e-9);
    }

    @Test
    void countsDroppedIterationsUnfinishedWritesAndTheCutLastLine() throws Exception {
        // 7 writes (1 unfinished), 3 reads, 1 + 2 dropped iterations, 1 line cut when k6 was killed
        assertEquals(new K6Output.Counts(7, 3, 1, 3, 1), parse().counts());
    }

    @Test
    void auditOfTheK6LedgerEqualsTheAuditOfTheSameWritesRecordedByHand() throws Exception {
        var fromK6 = parse().ledger();
        var byHand = new Ledger();
        expected().forEach(byHand::record);
        // After the failover, the survivor has writes 0, 1 and 5, and the unknown write 3.
        Set<String> survivor = Set.of(K + 0, K + 1, K + 5, K + 3, "a-row-from-before");

        var k6 = Audit.of(fromK6, survivor);
        assertEquals(Audit.of(byHand, survivor), k6);
        // and the numbers are the ones the lesson needs
        assertEquals(4, k6.ok());
        assertEquals(1, k6.failed());
        assertEquals(2, k6.unknown());
        assertEquals(List.of(K + 2), k6.lost().stream().map(Write::key).toList());
        // write 2 (done at 30.140 s) is lost though write 5 (30.401 s) survived: the loss spans from
        // write 1 (30.1025 s), the newest survivor before it, to write 2 — never 0 while something is lost
        assertEquals((s(30, 140_000_000) - s(30, 102_500_000)) / 1e6, k6.rpoMs(), 1e-9);
        assertEquals(1, k6.unknownPresent());
        assertEquals(1, k6.unknownAbsent());
    }

    @Test
    void rpoIsMeasuredOnTheLabClockFromK6Times() throws Exception {
        var k6 = Audit.of(parse().ledger(), Set.of(K + 0));
        // acked and gone: 1, 2, 5; newest acked 5 at 30.401 s, newest surviving 0 at 30.003456789 s
        assertEquals(List.of(K + 1, K + 2, K + 5), k6.lost().stream().map(Write::key).toList());
        assertEquals((s(30, 401_000_000) - s(30, 3_456_789)) / 1e6, k6.rpoMs(), 1e-9);
    }

    @Test
    void linesFedOneByOneGiveTheSameLedgerAsTheWholeFile() throws Exception {
        var ledger = new Ledger();
        var collector = new K6Output.Collector(ledger, read -> {}, NODE, ORIGIN);
        List<String> lines = java.nio.file.Files.readAllLines(fixture());
        lines.forEach(collector::accept); // the cut last line arrives too, and is skipped as unreadable
        var counts = collector.finish(STOP);
        assertEquals(expected(), byKey(ledger.writes()));
        assertEquals(1, counts.malformed());
    }
}
