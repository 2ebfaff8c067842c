package labkit.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import labkit.measure.Op.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryTest {
    @TempDir Path dir;

    static final long ORIGIN = 5_000_000_000L;

    @Test
    void exportsOneJsonLinePerOperationWithTimesSinceTheOrigin() throws Exception {
        var h = new History("raw-none", ORIGIN);
        h.add(Op.write("c3", "customer:3", 17, "postgres-primary", ORIGIN + 1_532_118_000L, ORIGIN + 1_534_902_400L,
                Outcome.OK, "0/3000148"));
        h.add(Op.read("c3", "customer:3", null, "postgres-standby", ORIGIN + 1_535_000_000L, ORIGIN + 1_536_000_000L,
                Outcome.FAILED, null));
        Path file = dir.resolve("history.jsonl");
        History.writeJsonLines(file, List.of(h));

        var lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        var json = new ObjectMapper();
        assertEquals(json.readTree("""
                {"history":"raw-none","client":"c3","type":"write","key":"customer:3","value":17,
                 "node":"postgres-primary","start_ms":1532.118,"end_ms":1534.902,"outcome":"ok","lsn":"0/3000148"}"""),
                json.readTree(lines.get(0)));
        assertEquals(json.readTree("""
                {"history":"raw-none","client":"c3","type":"read","key":"customer:3","value":null,
                 "node":"postgres-standby","start_ms":1535.0,"end_ms":1536.0,"outcome":"failed","lsn":null}"""),
                json.readTree(lines.get(1)));
    }

    @Test
    void readsBackWhatItWroteToTheMicrosecond() {
        var a = new History("a", 0);
        a.add(Op.write("c1", "k", 1, "n1", 1_000, 2_000, Outcome.UNKNOWN, null));
        a.add(Op.read("c2", "k", 0L, "n2", 3_000, 4_000, Outcome.OK, "0/16B3748"));
        var b = new History("b", 0);
        b.add(Op.read("c1", "j", 7L, "n1", 10_000, 12_000, Outcome.OK, null));
        Path file = dir.resolve("two.jsonl");
        History.writeJsonLines(file, List.of(a, b));

        var back = History.readJsonLines(file);
        assertEquals(List.of("a", "b"), List.copyOf(back.keySet()));
        assertEquals(a.ops(), back.get("a").ops());
        assertEquals(b.ops(), back.get("b").ops());
    }

    @Test
    void clientsAppendConcurrentlyAndOpsComeBackInOrderOfStart() throws Exception {
        var h = new History("concurrent", 0);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 999; i >= 0; i--) {
                long t = i * 1_000L;
                pool.submit(() -> h.add(Op.read("c" + (t % 7), "k", 0L, "n", t, t + 10, Outcome.OK, null)));
            }
        }
        assertEquals(1000, h.size());
        var starts = h.ops().stream().map(Op::startNanos).toList();
        assertEquals(starts.stream().sorted().toList(), starts);
        assertEquals(1000, h.latencyMs(Op.Kind.READ).size());
        assertEquals(0, h.latencyMs(Op.Kind.WRITE).size());
    }

    @Test
    void refusesOperationsThatCannotHaveHappened() {
        assertThrows(IllegalArgumentException.class, () -> Op.read("c", "k", 1L, "n", 10, 5, Outcome.OK, null));
        assertThrows(IllegalArgumentException.class, () -> Op.read("c", "k", null, "n", 1, 5, Outcome.OK, null));
        assertThrows(IllegalArgumentException.class, () -> Op.write(" ", "k", 1, "n", 1, 5, Outcome.OK, null));
    }
}
