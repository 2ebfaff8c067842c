package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A killed process that its parent has not reaped yet (a zombie) is gone for a crash's purposes: it
 * holds no port and no file. In a container whose PID 1 reaps orphans every ~2 s, waiting for the
 * reaping made kill() return seconds late.
 */
class ProcessesTest {
    @Test
    void aZombieDoesNotRun() throws Exception {
        // sh starts a short child, then becomes a sleep that never waits for it: the child stays a zombie
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0 & echo $!; exec sleep 30").start();
        try {
            long childPid = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(parent.getInputStream()))
                    .readLine().strip());
            ProcessHandle child = ProcessHandle.of(childPid).orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Processes.runs(child) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(child.isAlive(), "the child was reaped: no zombie to look at");
            assertFalse(Processes.runs(child), "a zombie counts as running");
            assertTrue(Processes.runs(ProcessHandle.of(parent.pid()).orElseThrow()), "the live parent counts as gone");
        } finally {
            parent.destroyForcibly();
        }
    }
}
