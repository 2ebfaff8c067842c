package labkit.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
