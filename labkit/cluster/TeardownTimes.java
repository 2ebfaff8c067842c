package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where the time of a teardown goes: with PGLAB_TEARDOWN_TIMES=&lt;file&gt; set, each part of it
 * appends "&lt;epoch ms&gt; &lt;part&gt; (cpu &lt;ms&gt;, queued &lt;ms&gt;)" to that file: how long the
 * marking thread has run so far, and waited for a CPU (a busy machine). A part that took longer
 * than both grew by was blocked (on the disk, say). bench/sigint-teardown compares the marks with
 * the moment it sent the signal. Unset, nothing is written.
 */
public final class TeardownTimes {
    private static final String FILE = System.getenv("PGLAB_TEARDOWN_TIMES");

    private TeardownTimes() {}

    /** {@code part} is done now. */
    public static void mark(String part) {
        if (FILE == null || FILE.isBlank()) {
            return;
        }
        try {
            Files.writeString(Path.of(FILE), System.currentTimeMillis() + " " + part + cpu() + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // a diagnostic that cannot be written must not change the teardown it measures
        }
    }

    /**
     * " (cpu N, queued M)": the ms this thread has run on a CPU and waited for one while runnable, so
     * far (/proc/thread-self/schedstat; the JVM's management beans would load classes mid-teardown).
     * The rest of a part's time it was blocked: on the disk, a lock, a process. Empty without /proc.
     */
    private static String cpu() {
        try {
            String[] schedstat = Files.readString(Path.of("/proc/thread-self/schedstat")).strip().split(" ");
            return " (cpu " + Long.parseLong(schedstat[0]) / 1_000_000 + ", queued " + Long.parseLong(schedstat[1]) / 1_000_000 + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
