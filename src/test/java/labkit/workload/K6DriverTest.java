package labkit.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import labkit.cluster.Env;
import labkit.cluster.LabException;
import labkit.cluster.Node;
import labkit.cluster.Wait;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Ledger.Write;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver's handling of k6 processes, with a stand-in k6 (src/test/resources/k6/fake-k6)
 * that writes what the lab's script makes k6 write: start, live ledger, re-routing the writes,
 * stopping, and a k6 that fails. Real k6 is not involved (the project does not build it: k6/README.md).
 */
class K6DriverTest {
    @TempDir
    Path dir;

    /** Just enough of a node for the driver: a name and where it listens. */
    record FakeNode(String name, int port) implements Node {
        @Override public String host() { return "127.0.0.1"; }
        @Override public String runtime() { return "local"; }
        @Override public void start() { throw new UnsupportedOperationException(); }
        @Override public void stop() { throw new UnsupportedOperationException(); }
        @Override public void kill() { throw new UnsupportedOperationException(); }
        @Override public void promote() { throw new UnsupportedOperationException(); }
        @Override public void appendConf(String lines) { throw new UnsupportedOperationException(); }
        @Override public boolean isRunning() { return true; }
        @Override public List<String> logTail(int lines) { return List.of(); }
        @Override public String psqlCommand() { return "psql"; }
    }

    private final List<String> notes = new CopyOnWriteArrayList<>();

    private K6Driver driver() throws Exception {
        Path bin = Files.createDirectory(dir.resolve("bin"));
        K6Test.executable(bin, "k6", Files.readString(Path.of(getClass().getResource("/k6/fake-k6").toURI())));
        K6 k6 = K6.onPath(bin.toString()).k6();
        return new K6Driver(k6, Path.of("").toAbsolutePath(), dir.resolve("out"), System.nanoTime(), 50, 20, 4, notes::add);
    }

    private static void assertNoK6Left() {
        var alive = ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .map(p -> p.info().commandLine().orElse("?")).filter(c -> c.contains("k6")).toList();
        assertEquals(List.of(), alive);
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Wait.sleep(Duration.ofMillis(20));
        }
    }

    private static Set<String> argsOf(Path file) throws Exception {
        return Set.copyOf(Files.readAllLines(file));
    }

    @Test
    void reroutingRestartsTheWritesAgainstTheNewPrimaryAndTheLedgerKeepsEverything() throws Exception {
        var primary = new FakeNode("postgres-primary", 15432);
        var standby = new FakeNode("postgres-standby", 15433);
        var driver = driver();
        long started = System.nanoTime();

        driver.start(primary, standby);
        await("writes arrive in the live ledger", () -> driver.ledger().size() >= 5);
        long rerouteFrom = System.nanoTime();
        driver.reroute(standby);
        double rerouteSeconds = (System.nanoTime() - rerouteFrom) / 1e9;
        long rerouted = driver.ledger().size();
        await("writes to the new primary arrive", () -> driver.ledger().size() >= rerouted + 5);
        var results = driver.stop();
        long stopped = System.nanoTime() - started;
        assertNoK6Left();

        List<Write> writes = results.ledger().writes();
        var byNode = writes.stream().collect(Collectors.groupingBy(Write::node, Collectors.counting()));
        assertTrue(byNode.get("postgres-primary") >= 5 && byNode.get("postgres-standby") >= 5, byNode.toString());
        // Each writes process was stopped with one write in flight: unknown, never ok or failed.
        var unknown = writes.stream().filter(w -> w.outcome() == Outcome.UNKNOWN).toList();
        assertEquals(Set.of("postgres-primary", "postgres-standby"), unknown.stream().map(Write::node).collect(Collectors.toSet()));
        assertTrue(unknown.stream().allMatch(w -> K6Output.UNFINISHED.equals(w.error())), unknown.toString());
        assertEquals(writes.size() - 2, results.ledger().ok());
        // Keys are unique across the two k6 runs (the ledger refuses duplicates) and say which run made them.
        assertTrue(writes.stream().filter(w -> w.node().equals("postgres-primary")).allMatch(w -> w.key().contains("-writes-1-")));
        assertTrue(writes.stream().filter(w -> w.node().equals("postgres-standby")).allMatch(w -> w.key().contains("-writes-2-")));
        // On the lab clock, within the test's own time, and done after sent.
        for (Write w : writes) {
            assertTrue(w.intendedNanos() >= 0 && w.sentNanos() <= w.doneNanos() && w.doneNanos() <= stopped, w.toString());
        }
        // The writes due while the new writer started (the stand-in takes 0.4 s, at 50/s) were not sent, and
        // are counted so; no more than the whole re-route could hold.
        assertTrue(results.notSent() >= 20 && results.notSent() <= Math.ceil(rerouteSeconds * 50),
                results.notSent() + " not sent, re-route took " + rerouteSeconds + " s");
        assertTrue(notes.stream().anyMatch(n -> n.matches("k6 \\(writes-2\\) started \\d+\\.\\d s after k6 \\(writes-1\\) "
                + "stopped: " + results.notSent() + " writes arrived meanwhile, not sent")), notes.toString());
        // One reads process all along; its in-flight read at the stop failed.
        assertTrue(results.reads().size() >= 10, "reads: " + results.reads().size());
        assertEquals(1, results.reads().stream().filter(r -> !r.ok()).count());

        // Each k6 got the URLs and rates of its part.
        var env = Env.get();
        String url = "PGLAB_PRIMARY_URL=postgres://" + env.superuser() + ":" + env.superuserPassword() + "@127.0.0.1:";
        String db = "/" + env.database() + "?sslmode=disable&application_name=pglab-k6";
        Path out = dir.resolve("out");
        assertTrue(argsOf(out.resolve("k6-writes-1.json.args")).containsAll(List.of(url + "15432" + db, "PGLAB_RATE=50", "PGLAB_READ_RATE=0")));
        assertTrue(argsOf(out.resolve("k6-writes-2.json.args")).containsAll(List.of(url + "15433" + db, "PGLAB_RATE=50", "PGLAB_READ_RATE=0")));
        assertTrue(argsOf(out.resolve("k6-reads.json.args")).containsAll(List.of("PGLAB_RATE=0", "PGLAB_READ_RATE=20", "PGLAB_USERS=4")));
        assertTrue(Files.readString(out.resolve("k6-writes-1.log")).contains("pglab k6 ready"));
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("k6 (writes-2) is running: 50 writes/s to postgres-standby")), notes.toString());
        assertEquals(results, driver.stop(), "stop() is idempotent");
    }

    @Test
    void aK6ThatFailsAtSetupIsOneClearErrorAndNothingKeepsRunning() throws Exception {
        var driver = driver();
        var e = assertThrows(LabException.class,
                () -> driver.start(new FakeNode("postgres-primary", 1), new FakeNode("postgres-standby", 15433)));
        assertTrue(e.getMessage().startsWith("k6 (writes-1) exited (code 107): "), e.getMessage());
        assertTrue(e.getMessage().contains("dial tcp 127.0.0.1:1: connect: connection refused"), e.getMessage());
        assertNoK6Left();
        // The reads' k6 had started before: it was stopped with the rest.
        assertTrue(Files.exists(dir.resolve("out/k6-reads.json.args")));
    }
}
