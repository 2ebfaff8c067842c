package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --keep leaves what it says: after lab04 the rejoined old primary still streams from the new
 * one once the lab (and its link relay) is gone, summary.json says so in keptAtExit (measured as the
 * lab exits), and the printed teardown of lab02 (whose primary
 * the lab crashed) and of lab04 exits 0 and leaves no server and no work dir.
 */
class KeepTest {
    @TempDir Path out;

    @Test
    void lab04KeepsAStreamingOldPrimaryAndItsTeardownLeavesNothing() throws Exception {
        var run = LabProcess.run("lab04-ha.java", out, "--yes", "--runtime", "local", "--keep", "--outage", "1s");
        assertEquals(0, run.exitCode(), run.transcript());
        String teardown = teardownLine(run);
        try {
            assertTrue(run.stdout().contains("\"postgres-primary\" streams from \"postgres-standby\" directly"), run.transcript());
            // summary.json reports the nodes as they are at exit: the old primary streams from the new one's own port
            int newPrimary = portOf(run, "postgres-standby");
            var atExit = run.summary().path("keptAtExit");
            assertEquals("standby", atExit.path("postgres-primary").path("role").asText(), atExit.toString());
            assertEquals("streaming", atExit.path("postgres-primary").path("walReceiver").asText(), atExit.toString());
            assertEquals("127.0.0.1:" + newPrimary, atExit.path("postgres-primary").path("upstream").asText(), atExit.toString());
            assertEquals("primary", atExit.path("postgres-standby").path("role").asText(), atExit.toString());
            assertEquals("streaming", atExit.path("postgres-standby").path("standbys").path("postgres-primary").asText(),
                    atExit.toString());
            Thread.sleep(60_000); // the lab's JVM, and the link relay in it, are long gone
            String rows = psql(newPrimary, "SELECT application_name || ' ' || state FROM pg_stat_replication");
            assertEquals("postgres-primary streaming", rows.strip(), run.transcript());
        } finally {
            assertTearsDownCleanly(teardown);
        }
    }

    @Test
    void lab02KeepsTheStandbyAndItsTeardownSkipsTheCrashedPrimary() throws Exception {
        var run = LabProcess.run("lab02-async.java", out, "--yes", "--runtime", "local", "--keep", "--run-for", "3s");
        assertEquals(0, run.exitCode(), run.transcript());
        String teardown = teardownLine(run);
        try {
            // the crashed primary is not offered to connect to, nor stopped again
            assertFalse(run.stdout().lines().anyMatch(l -> l.strip().startsWith("postgres-primary (")), run.transcript());
            assertTrue(run.stdout().lines().anyMatch(l -> l.strip().startsWith("postgres-standby (")), run.transcript());
            assertFalse(teardown.contains("/postgres-primary/"), teardown);
            var atExit = run.summary().path("keptAtExit");
            assertFalse(atExit.has("postgres-primary"), "a crashed node is not kept: " + atExit);
            assertTrue(atExit.has("postgres-standby"), atExit.toString());
        } finally {
            assertTearsDownCleanly(teardown);
        }
    }

    private static String teardownLine(LabProcess run) {
        List<String> lines = run.stdout().lines().toList();
        int at = lines.indexOf(lines.stream().filter(l -> l.contains("Tear it down with:")).findFirst()
                .orElseThrow(() -> new AssertionError("no teardown printed: " + run.transcript())));
        return lines.get(at + 1).strip();
    }

    private static int portOf(LabProcess run, String node) {
        String line = run.stdout().lines().filter(l -> l.strip().startsWith(node + " (")).findFirst()
                .orElseThrow(() -> new AssertionError(node + " not listed: " + run.transcript()));
        var m = java.util.regex.Pattern.compile("-p (\\d+)").matcher(line);
        assertTrue(m.find(), line);
        return Integer.parseInt(m.group(1));
    }

    private static String psql(int port, String sql) throws Exception {
        var p = new ProcessBuilder("psql", "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres", "-At",
                "-c", sql, "pagila").redirectErrorStream(true);
        p.environment().put("PGPASSWORD", "pglab");
        Process proc = p.start();
        String output = new String(proc.getInputStream().readAllBytes());
        assertTrue(proc.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, proc.exitValue(), output);
        return output;
    }

    /** Runs the printed teardown as a student pastes it: exit 0, no server of its work dir, no work dir. */
    private static void assertTearsDownCleanly(String teardown) throws Exception {
        String workDir = teardown.substring(teardown.lastIndexOf(' ') + 1);
        var down = new ProcessBuilder("sh", "-c", teardown).redirectErrorStream(true).start();
        String output = new String(down.getInputStream().readAllBytes());
        assertTrue(down.waitFor(2, TimeUnit.MINUTES), teardown);
        assertEquals(0, down.exitValue(), teardown + "\n" + output);
        assertTrue(LabProcess.leftoverServers().stream().noneMatch(c -> c.contains(workDir + "/")),
                "servers left after: " + teardown);
        assertFalse(Files.exists(Path.of(workDir)), workDir + " left after: " + teardown);
    }
}
