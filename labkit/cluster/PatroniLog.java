package labkit.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The lines of a Patroni log that tell what it decided: crash recovery, pg_rewind and its output,
 * a demotion, a promotion, starting as a replica. Its heartbeats ("no action. I am …", "Lock
 * owner: …") and the repeats of "… in progress" at every loop are left out.
 */
public final class PatroniLog {
    private static final Pattern STORY = Pattern.compile(String.join("|", "rewind", "diverged", "Done!", "Demoting",
            "starting as a secondary", "following a leader", "promoted", "crash recovery", "acquired session lock"));
    private static final Pattern HEARTBEAT = Pattern.compile("no action\\.|Lock owner");
    /** "2026-12-01 09:14:55,412 INFO: …": the date is noise in a lab's output, the time is not. */
    private static final int DATE = "2026-12-01 ".length();
    private static final int STAMP = "2026-12-01 09:14:55,412 ".length();

    private PatroniLog() {}

    /** The story in {@code lines} (a log, or the part of it since some moment), at most {@code max} lines. */
    public static List<String> story(List<String> lines, int max) {
        var story = new ArrayList<String>();
        String previous = null;
        for (String line : lines) {
            if (line.isBlank() || HEARTBEAT.matcher(line).find() || !STORY.matcher(line).find()) {
                continue;
            }
            String message = line.length() > STAMP ? line.substring(STAMP) : line;
            if (message.equals(previous)) {
                continue;
            }
            previous = message;
            story.add(line.length() > DATE && Character.isDigit(line.charAt(0)) ? line.substring(DATE) : line);
            if (story.size() >= max) {
                break;
            }
        }
        return story;
    }
}
