package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where the time of a teardown goes: with PGLAB_TEARDOWN_TIMES=&lt;file&gt; set, each part of it
 * appends "&lt;epoch ms&gt; &lt;part&gt;" to that file (bench/sigint-teardown compares them with the
 * moment it sent the signal). Unset, nothing is written.
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
            Files.writeString(Path.of(FILE), System.currentTimeMillis() + " " + part + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // a diagnostic that cannot be written must not change the teardown it measures
        }
    }
}
