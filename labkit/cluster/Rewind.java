package labkit.cluster;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an old primary was made to follow the new timeline, as the tool that did it reported it.
 * With pg_rewind, its own lines are parsed: where the servers' histories diverged, the last
 * checkpoint both have (the rewind starts there), how much it copied, or "no rewind required".
 * Without pg_rewind (the server binaries fetched from Maven Central), the old primary is rebuilt
 * from a fresh base backup instead: then nothing says whether a rewind would have been needed,
 * and those fields are null.
 *
 * @param method               "pg_rewind" or "base-backup"
 * @param command              what was run, as a student would type it
 * @param needed               pg_rewind found WAL on the target past the fork point; null when not asked
 * @param divergedAtLsn        "servers diverged at WAL location …" (the new timeline's switch point)
 * @param lastCommonCheckpoint "rewinding from last common checkpoint at …"; null when nothing was rewound
 * @param copiedBytes          what pg_rewind copied from the source (its last progress line), or the
 *                             size of the base backup; null when nothing was copied
 * @param output               what the tool printed
 */
public record Rewind(String method, String command, Boolean needed, String divergedAtLsn, String lastCommonCheckpoint,
                     Long copiedBytes, String output) {

    private static final String LSN = "([0-9A-F]+/[0-9A-F]+)";
    private static final Pattern DIVERGED = Pattern.compile("servers diverged at WAL location " + LSN + " on timeline");
    private static final Pattern CHECKPOINT = Pattern.compile("rewinding from last common checkpoint at " + LSN);
    private static final Pattern NOT_NEEDED = Pattern.compile("no rewind required");
    /** --progress ends with "53005/53005 kB (100%) copied"; a line each time it advances, when not a terminal. */
    private static final Pattern COPIED = Pattern.compile("(\\d+)/\\d+ kB \\(\\d+%\\) copied");

    /** Reads what {@code pg_rewind --progress} printed (stdout and stderr together) when it ran {@code command}. */
    public static Rewind parsePgRewind(String command, String output) {
        String diverged = first(DIVERGED.matcher(output));
        String checkpoint = first(CHECKPOINT.matcher(output));
        boolean notNeeded = NOT_NEEDED.matcher(output).find();
        if (diverged == null && !notNeeded) {
            throw new LabException("pg_rewind reported neither a divergence point nor \"no rewind required\": "
                    + Processes.lastLine(output));
        }
        Long copiedKb = null;
        for (Matcher m = COPIED.matcher(output); m.find(); ) {
            copiedKb = Long.parseLong(m.group(1));
        }
        return new Rewind("pg_rewind", command, !notNeeded, diverged, checkpoint, copiedKb == null ? null : copiedKb * 1024,
                output);
    }

    /** The old primary rebuilt from a fresh base backup of the new one ({@code command}), {@code bytes} copied. */
    public static Rewind baseBackup(String command, String backupMethod, long bytes) {
        return new Rewind("base-backup", command, null, null, null, bytes,
                "no pg_rewind in these binaries: data directory replaced by a base backup (" + backupMethod + ", "
                        + bytes + " bytes)");
    }

    /**
     * pg_rewind reads the source's timeline from its control file, which a promotion updates only
     * at its next checkpoint: without one, before PostgreSQL 16, it may find "no rewind required"
     * on a stale timeline. RewindTest.pm does the same before each rewind.
     */
    static void checkpointForRewind(Node source) {
        Sql.exec(source, "CHECKPOINT");
    }

    /** What happened, in a sentence for the lab. */
    public String describe() {
        if (method.equals("base-backup")) {
            return ("These binaries have no pg_rewind: the old primary's data directory was replaced by a fresh base "
                    + "backup of the new primary (%,d kB), which copies everything, not only what diverged.")
                    .formatted(copiedBytes / 1024);
        }
        return needed ? "pg_rewind: the servers diverged at %s; it rewound from the last common checkpoint at %s, %s."
                .formatted(divergedAtLsn, lastCommonCheckpoint, copiedBytes == null ? "with no copy progress reported"
                        : "copying %,d kB from the new primary".formatted(copiedBytes / 1024))
                : "pg_rewind: no rewind required. The old primary's WAL ends where the new timeline forked: nothing to "
                + "rewind after a clean stop, since a primary sends all its WAL before it shuts down.";
    }

    /** pg_rewind's own lines ("pg_rewind: servers diverged at …"), without the crash recovery it ran first. */
    public java.util.List<String> toolLines() {
        return output.lines().filter(l -> l.startsWith("pg_rewind:") || COPIED.matcher(l).find() && l.contains("100%"))
                .map(String::strip).toList();
    }

    private static String first(Matcher m) {
        return m.find() ? m.group(1) : null;
    }
}
