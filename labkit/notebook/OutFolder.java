package labkit.notebook;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;
import labkit.cluster.LabException;
import labkit.cluster.RunLocks;

/**
 * The folder a run writes its results to. Checked before anything starts (an unwritable --out
 * would otherwise be found at the very end, losing the run), and claimed for the run's lifetime
 * with a lock file, so that two runs at the same time never write into each other's results.
 */
final class OutFolder {
    /** Kernel file systems that look like folders but take no files of ours. */
    private static final Set<String> PSEUDO = Set.of("proc", "sysfs", "devtmpfs", "cgroup", "cgroup2", "debugfs");
    private static final String LOCK = ".pglab-run.lock";

    private OutFolder() {}

    /** Throws {@link Checked.BadOption} when {@code dir} is not a folder that can be created and written to. */
    static void checkWritable(Path dir, String option) {
        Path abs = dir.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new Checked.BadOption(option + " " + dir + ": no part of that path exists");
        }
        if (!Files.isDirectory(existing)) {
            throw new Checked.BadOption(option + " " + dir + ": " + existing + " is a file, not a folder");
        }
        try {
            String type = Files.getFileStore(existing).type();
            if (PSEUDO.contains(type)) {
                throw new Checked.BadOption(option + " " + dir + ": cannot be created, " + existing + " is the kernel's "
                        + type + " file system, which holds no folders of ours: pick a folder on a disk");
            }
            Files.delete(Files.createTempFile(existing, ".pglab-check", ""));
        } catch (IOException e) {
            throw new Checked.BadOption(option + " " + dir + ": cannot be written, " + why(existing, e));
        }
    }

    private static String why(Path folder, IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied in " + folder;
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(java.util.Locale.ROOT) + " (" + folder + ")";
        }
        return e.getMessage();
    }

    /**
     * Creates {@code dir} and claims it for this run. When another run holds it: an explicit --out
     * is refused; the default out/&lt;lab&gt; moves on to out/&lt;lab&gt;-2, -3…, and {@code say} tells.
     */
    static Path claim(Path dir, boolean explicit, Consumer<String> say) {
        for (int n = 1; n <= 20; n++) {
            Path candidate = n == 1 ? dir : dir.resolveSibling(dir.getFileName() + "-" + n);
            if (tryLock(candidate)) {
                if (n > 1) {
                    say.accept(dir + " is in use by another run of this lab; this one writes to " + candidate);
                }
                return candidate;
            }
            if (explicit) {
                throw new LabException("--out " + dir + " is in use by another run: wait for it to end, or give another --out");
            }
        }
        throw new LabException(dir + " and the 19 next to it are in use by other runs: give one with --out");
    }

    private static boolean tryLock(Path dir) {
        try {
            Files.createDirectories(dir);
            return RunLocks.hold(dir.resolve(LOCK));
        } catch (IOException e) {
            throw new LabException("cannot create " + dir + ": " + e.getMessage());
        }
    }
}
