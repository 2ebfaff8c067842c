package labkit.notebook;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
    /** Left in a folder the kit created for a run: what a later run finds there of the kit's kinds is an earlier run's. */
    private static final String MADE = ".pglab-made";
    /** What runs write at the top of their folder (report.md, summary.json, CSVs, charts, lab06's history, k6's output). */
    private static final java.util.regex.Pattern RESULT = java.util.regex.Pattern.compile(
            "report\\.md|summary\\.json|history\\.jsonl|[\\w.-]+\\.(csv|png)|k6-[\\w-]+\\.(json|log)");
    /** The node and tool logs runs keep, in logs/ and a folder per part of the lab under it. */
    private static final String LOGS = "logs";

    private OutFolder() {}

    /**
     * Throws {@link Checked.BadOption} when {@code dir} is not a folder that can be created and
     * written to, with {@code needed} bytes free on its disk ({@code what}: what they are for).
     */
    static void checkWritable(Path dir, String option, long needed, String what) {
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
            long free = Files.getFileStore(existing).getUsableSpace();
            if (free < needed) {
                throw new Checked.BadOption(option + " " + dir + ": needs about " + LabOptions.megabytes(needed)
                        + " free for " + what + ", and " + existing + " has " + LabOptions.megabytes(free)
                        + ": free some space, or give another --out");
            }
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
            boolean made = !Files.exists(candidate);
            if (tryLock(candidate)) {
                if (n > 1) {
                    say.accept(dir + " is in use by another run of this lab; this one writes to " + candidate);
                }
                clearEarlierRun(candidate, made, !explicit, say);
                return candidate;
            }
            if (explicit) {
                throw new LabException("--out " + dir + " is in use by another run: wait for it to end, or give another --out");
            }
        }
        throw new LabException(dir + " and the 19 next to it are in use by other runs: give one with --out");
    }

    /**
     * A run's folder holds that run only: what an earlier run left there (its report.md, summary.json,
     * CSVs, charts and logs: a failed run leaves some and not others) goes, once this run holds the
     * folder. Only in a folder that is the kit's: one it created (marked), or out/&lt;lab&gt; (the
     * default). In a folder of the user's given as --out, files of those kinds may be the user's own.
     */
    static void clearEarlierRun(Path dir, boolean made, boolean byDefault, Consumer<String> say) {
        Path mark = dir.resolve(MADE);
        try {
            if (made) {
                Files.createFile(mark);
                return; // a new folder: nothing to clear
            }
            if (!byDefault && !Files.exists(mark)) {
                return;
            }
            int removed = 0;
            try (var entries = Files.list(dir)) {
                for (Path p : entries.toList()) {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && RESULT.matcher(p.getFileName().toString()).matches()) {
                        Files.delete(p);
                        removed++;
                    }
                }
            }
            Path logs = dir.resolve(LOGS);
            if (Files.isDirectory(logs, LinkOption.NOFOLLOW_LINKS)) {
                try (var tree = Files.walk(logs)) { // walk does not follow links
                    for (Path p : tree.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && p.getFileName().toString().endsWith(".log")) {
                            Files.delete(p);
                            removed++;
                        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && isEmpty(p)) {
                            Files.delete(p);
                        }
                    }
                }
            }
            if (removed > 0) {
                say.accept("Removed what an earlier run left in " + dir + " (" + removed + " files: its results and logs).");
            }
        } catch (IOException e) {
            throw new LabException("cannot clear the earlier run's results in " + dir + ": " + e.getMessage());
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
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
