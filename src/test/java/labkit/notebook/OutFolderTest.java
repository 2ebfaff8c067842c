package labkit.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import labkit.cluster.LabException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two runs at once never write into the same results: the default folder moves on, an explicit --out is refused. */
class OutFolderTest {
    @TempDir Path tmp;

    @Test
    void aFolderAnotherRunHoldsIsNotShared() throws Exception {
        Path dir = tmp.resolve("out").resolve("lab01");
        Files.createDirectories(dir);
        Process other = holdLock(dir.resolve(".pglab-run.lock"));
        try {
            var said = new ArrayList<String>();
            assertEquals(dir.resolveSibling("lab01-2"), OutFolder.claim(dir, false, said::add));
            assertEquals(1, said.size(), said.toString());
            assertTrue(said.get(0).contains("in use by another run"), said.toString());
            var refused = assertThrows(LabException.class, () -> OutFolder.claim(dir, true, s -> {}));
            assertTrue(refused.getMessage().startsWith("--out " + dir + " is in use by another run"), refused.getMessage());
        } finally {
            other.destroyForcibly().waitFor();
        }
    }

    /** A run's folder holds that run only: the earlier run's results and logs go, nothing else does, and no link is followed. */
    @Test
    void aNewRunClearsTheEarlierRunsResultsInAFolderOfTheKits() throws Exception {
        Path dir = tmp.resolve("out").resolve("lab02");
        assertEquals(dir, OutFolder.claim(dir, true, s -> {})); // made by the kit, and marked
        Path elsewhere = Files.writeString(tmp.resolve("elsewhere.png"), "not the run's");
        for (String file : List.of("report.md", "summary.json", "writes.csv", "lag.png", "k6-writes.json",
                "logs/postgres-primary.log", "logs/leaders/postgres-leader-a.log")) {
            Files.createDirectories(dir.resolve(file).getParent());
            Files.writeString(dir.resolve(file), "earlier");
        }
        Files.writeString(dir.resolve("notes.txt"), "the user's");
        Files.writeString(dir.resolve("logs").resolve("README"), "the user's");
        Files.createSymbolicLink(dir.resolve("linked"), tmp);
        var said = new ArrayList<String>();
        OutFolder.clearEarlierRun(dir, false, false, said::add);
        assertEquals(List.of("Removed what an earlier run left in " + dir + " (7 files: its results and logs)."), said);
        try (var left = Files.walk(dir)) {
            assertEquals(List.of("", ".pglab-made", ".pglab-run.lock", "linked", "logs", "logs/README", "notes.txt"),
                    left.map(p -> dir.relativize(p).toString()).sorted().toList());
        }
        assertTrue(Files.exists(elsewhere));
    }

    /** In a folder the kit did not make, given as --out, files named like results may be the user's: none goes. */
    @Test
    void aFolderOfTheUsersKeepsItsFiles() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("pictures"));
        Files.writeString(dir.resolve("holiday.png"), "the user's");
        assertEquals(dir, OutFolder.claim(dir, true, s -> {}));
        OutFolder.clearEarlierRun(dir, false, false, s -> {});
        assertTrue(Files.exists(dir.resolve("holiday.png")));
        assertFalse(Files.exists(dir.resolve(".pglab-made")));
    }

    /** Another JVM (another run) that locks {@code file} as OutFolder does, and says so once it holds it. */
    private Process holdLock(Path file) throws Exception {
        Path source = tmp.resolve("Hold.java");
        Files.writeString(source, """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                class Hold {
                    public static void main(String[] a) throws Exception {
                        var lock = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE).lock();
                        System.out.println("held");
                        Thread.sleep(60_000);
                    }
                }
                """);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, source.toString(), file.toString()).redirectErrorStream(true).start();
        String line = new String(p.getInputStream().readNBytes(5));
        assertEquals("held\n".strip(), line.strip(), "the other run did not take the lock");
        assertTrue(p.isAlive());
        p.waitFor(0, TimeUnit.SECONDS);
        return p;
    }
}
