package labkit.cluster;

import java.util.regex.Pattern;

/**
 * The history file a promotion writes ({@code pg_wal/00000002.history}): each line names a parent
 * timeline and the WAL position where the next one forked from it. Its last line is where the
 * promoted node's history left the old primary's: the point pg_rewind reports as "servers diverged".
 *
 * @param timeline  the promoted node's timeline
 * @param switchLsn where it forked from its parent timeline
 * @param text      the file as PostgreSQL wrote it
 */
public record TimelineHistory(int timeline, String switchLsn, String text) {
    private static final Pattern LINE = Pattern.compile("^\\s*\\d+\\s+([0-9A-F]+/[0-9A-F]+)", Pattern.MULTILINE);

    /** Reads the history of the timeline {@code promoted} writes on now (it must have been promoted). */
    public static TimelineHistory of(Node promoted) {
        String hex = Sql.scalar(promoted, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)");
        String text = Sql.scalar(promoted, "SELECT pg_read_file('pg_wal/" + hex + ".history')");
        return parse(Integer.parseInt(hex, 16), text);
    }

    static TimelineHistory parse(int timeline, String text) {
        String lsn = null;
        for (var m = LINE.matcher(text); m.find(); ) {
            lsn = m.group(1);
        }
        if (lsn == null) {
            throw new LabException("the history file of timeline " + timeline + " names no switch point: " + text);
        }
        return new TimelineHistory(timeline, lsn, text);
    }

    /** The query a student runs to read it, as {@link #of} does. */
    public String query() {
        return "SELECT pg_read_file('pg_wal/%08X.history') AS timeline_history".formatted(timeline);
    }
}
