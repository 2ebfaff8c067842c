package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where the time of a teardown goes: with PGLAB_TEARDOWN_TIMES=&lt;file&gt; set, each part of it
 * appends "&lt;epoch ms&gt; &lt;part&gt; (cpu &lt;ms&gt;)" to that file, the CPU time the marking thread
 * has used so far: a part that took long with little CPU waited (for the disk, say), one with as
 * much CPU as time was busy or starved. bench/sigint-teardown compares the marks with the moment
 * it sent the signal. Unset, nothing is written.
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
     * " (cpu N)": this thread's user + system time in ms, from /proc/thread-self/stat (ticks of
     * 10 ms; the JVM's management beans would load classes mid-teardown). Empty without /proc.
     */
    private static String cpu() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return " (cpu " + (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10 + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
