package labkit.workload;

import static labkit.testing.Writes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Ledger.Write;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {

    @Test
    void countsAndKeysByOutcome() {
        var ledger = new Ledger();
        ledger.record(write("a", 10, Outcome.OK));
        ledger.record(write("b", 20, Outcome.FAILED));
        ledger.record(write("c", 30, Outcome.UNKNOWN));
        ledger.record(write("d", 40, Outcome.OK));

        assertEquals(4, ledger.size());
        assertEquals(2, ledger.ok());
        assertEquals(1, ledger.failed());
        assertEquals(1, ledger.unknown());
        assertEquals(Set.of("a", "d"), ledger.okKeys());
        assertEquals(Set.of("c"), ledger.unknownKeys());
        assertEquals(List.of("a", "b", "c", "d"), ledger.writes().stream().map(Write::key).toList());
    }

    @Test
    void acknowledgedWritesByNodeAndWindowStallsAndTwoLedgersInOne() {
        var first = new Ledger();
        first.record(write("a", 500, Outcome.OK));               // second 0, postgres-primary
        first.record(write("b", 1_500, Outcome.FAILED));         // second 1: nothing acknowledged
        first.record(onStandby("c", 4_200));                      // second 4
        var second = new Ledger();
        second.record(write("d", 2_500, Outcome.OK));            // second 2
        var all = Ledger.merged(w -> true, List.of(first, second));

        assertEquals(4, all.size());
        assertEquals(List.of("a", "b", "c"), Ledger.merged(w -> w.doneNanos() < 5_000_000_000L, List.of(first))
                .writes().stream().map(Write::key).toList());
        assertEquals(2, all.okOn("postgres-primary", 0, 3_000_000_000L));
        assertEquals(2, all.okOn(null, 2_000_000_000L, 5_000_000_000L), "any node: d at 2.5 s and c at 4.2 s");
        assertEquals(1, all.okOn(null, 3_000_000_000L, 5_000_000_000L));
        assertEquals(4_199_000_000L, all.firstOkSentOn("postgres-standby").orElseThrow());
        assertTrue(all.firstOkSentOn("postgres-standby-2").isEmpty());
        // seconds 1 and 3 have no acknowledged write; second 2 has d
        assertEquals(2, all.stalledSeconds(1_000_000_000L, 4_000_000_000L));
    }

    private static Write onStandby(String key, long doneMs) {
        var w = write(key, doneMs, Outcome.OK);
        return new Write(w.key(), w.intendedNanos(), w.sentNanos(), w.doneNanos(), w.outcome(), "postgres-standby", null);
    }

    @Test
    void rejectsDuplicateKeysAndMissingKeys() {
        var ledger = new Ledger();
        ledger.record(write("a", 10, Outcome.OK));
        var e = assertThrows(IllegalArgumentException.class, () -> ledger.record(write("a", 20, Outcome.FAILED)));
        assertTrue(e.getMessage().contains("duplicate write key a"), e.getMessage());
        assertEquals(1, ledger.size());
        assertThrows(IllegalArgumentException.class, () -> write(" ", 10, Outcome.OK));
    }

    @Test
    void firstOkAfterAndLastOkAreByCompletionTime() {
        var ledger = new Ledger();
        ledger.record(write("late-unknown", 50, Outcome.UNKNOWN));
        ledger.record(write("early-failed", 30, Outcome.FAILED));
        ledger.record(write("ok-before", 20, Outcome.OK));
        ledger.record(write("ok-after-2", 90, Outcome.OK));
        ledger.record(write("ok-after-1", 70, Outcome.OK));

        assertEquals("ok-after-1", ledger.firstOkAfter(50_000_000L).orElseThrow().key());
        assertEquals("ok-after-2", ledger.lastOk().orElseThrow().key());
        assertTrue(new Ledger().lastOk().isEmpty());
    }

    @Test
    void perSecondCountsEverySecondIncludingEmptyOnes() {
        var ledger = new Ledger();
        ledger.record(write("a", 100, Outcome.OK));
        ledger.record(write("b", 999, Outcome.OK));
        ledger.record(write("c", 1_000, Outcome.FAILED));
        ledger.record(write("d", 3_500, Outcome.UNKNOWN));

        var t = ledger.perSecond();
        assertEquals(List.of("second", "ok", "failed", "unknown"), t.columnNames());
        assertEquals(4, t.rowCount());
        assertEquals(List.of(2, 0, 0, 0), t.intColumn("ok").asList());
        assertEquals(List.of(0, 1, 0, 0), t.intColumn("failed").asList());
        assertEquals(List.of(0, 0, 0, 1), t.intColumn("unknown").asList());
        assertEquals(0, new Ledger().perSecond().rowCount());
    }

    @Test
    void csvHasOneRowPerWriteAndQuotesErrors(@TempDir Path dir) throws Exception {
        var ledger = new Ledger();
        ledger.record(new Write("k1", 1_000_000, 1_500_000, 4_250_000, Outcome.OK, "postgres-primary", null));
        ledger.record(new Write("k2", 2_000_000, 2_000_000, 9_000_000, Outcome.UNKNOWN, "postgres-primary",
                "An I/O error occurred, \"EOF\"\nline two"));
        Path file = dir.resolve("out/lab02/writes.csv");
        ledger.writeCsv(file);

        String text = Files.readString(file);
        assertEquals("""
                key,outcome,node,intended_ms,sent_ms,done_ms,latency_ms,error
                k1,ok,postgres-primary,1.000,1.500,4.250,3.250,
                k2,unknown,postgres-primary,2.000,2.000,9.000,7.000,"An I/O error occurred, ""EOF""
                line two"
                """, text);
        var table = tech.tablesaw.api.Table.read().csv(file.toFile());
        assertEquals(2, table.rowCount());
        assertEquals("An I/O error occurred, \"EOF\"\nline two", table.getString(1, "error"));
    }

    @Test
    void manyVirtualThreadsAppendWithoutLosingWrites() throws Exception {
        var ledger = new Ledger();
        int threads = 200;
        int perThread = 500;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                int id = t;
                pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        ledger.record(write(id + "-" + i, i + 1, i % 3 == 0 ? Outcome.FAILED : Outcome.OK));
                    }
                });
            }
        }
        assertEquals(threads * perThread, ledger.size());
        assertEquals(threads * 167L, ledger.failed());
        assertEquals(threads * (perThread - 167L), ledger.okKeys().size());
    }
}
