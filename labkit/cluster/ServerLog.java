package labkit.cluster;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The lines of a node's server log that tell a replication story: a shutdown, recovery on the
 * next start, the WAL receiver connecting and streaming, a timeline switch. Everything else a
 * busy node logs (clients refused while it starts, each terminated session) is left out.
 */
public final class ServerLog {
    private static final Pattern STORY = Pattern.compile(String.join("|",
            "shutdown request", "database system is shut down", "starting PostgreSQL", "entering standby mode",
            "redo starts", "redo done", "consistent recovery state", "ready to accept", "started streaming WAL",
            "could not connect to the primary", "replication terminated by primary", "timeline", "promot",
            "archive recovery complete"));
    /** log_line_prefix '%m [%p] ': the date and zone are noise in a lab's output, the time is not. */
    private static final Pattern PREFIX = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d (\\d\\d:\\d\\d:\\d\\d\\.\\d+) \\S+ \\[\\d+\\] ");
    private static final int SCAN_LINES = 2_000;

    private ServerLog() {}

    /**
     * The story lines from the last line containing {@code from} on (that line included), at most
     * {@code max}, the timestamp shortened to the time of day. Empty when {@code from} is not in the
     * log's last lines.
     */
    public static List<String> storyFrom(Node node, String from, int max) {
        List<String> tail = node.logTail(SCAN_LINES);
        int start = -1;
        for (int i = tail.size() - 1; i >= 0 && start < 0; i--) {
            if (tail.get(i).contains(from)) {
                start = i;
            }
        }
        if (start < 0) {
            return List.of();
        }
        return tail.subList(start, tail.size()).stream()
                .filter(l -> STORY.matcher(l).find())
                .map(l -> PREFIX.matcher(l).replaceFirst("$1 "))
                .limit(max)
                .toList();
    }

    /**
     * Waits up to {@code timeout} for a line of the node's log that contains {@code text}; returns
     * it, and the DETAIL line PostgreSQL wrote after it, without the line prefix. Empty if none came.
     */
    public static List<String> waitFor(Node node, String text, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            List<String> tail = node.logTail(SCAN_LINES);
            for (int i = 0; i < tail.size(); i++) {
                if (tail.get(i).contains(text)) {
                    var lines = new java.util.ArrayList<>(List.of(withoutPrefix(tail.get(i))));
                    if (i + 1 < tail.size() && tail.get(i + 1).contains("DETAIL:")) {
                        lines.add(withoutPrefix(tail.get(i + 1)));
                    }
                    return lines;
                }
            }
            Wait.sleep(java.time.Duration.ofMillis(200));
        } while (System.nanoTime() < deadline);
        return List.of();
    }

    private static String withoutPrefix(String line) {
        return line.replaceFirst("^\\d{4}-\\d\\d-\\d\\d \\S+ \\S+ \\[\\d+\\] ", "");
    }

    /** The last {@code lines} lines of a log file; none when it is not there (yet). */
    static List<String> tail(java.nio.file.Path file, int lines) {
        try {
            List<String> all = java.nio.file.Files.readAllLines(file);
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** Copies a log into {@code logDir} under {@code name} before its folder goes; says so when it cannot. */
    static void keep(java.nio.file.Path log, java.nio.file.Path logDir, String name) {
        try {
            if (java.nio.file.Files.exists(log)) {
                java.nio.file.Files.createDirectories(logDir);
                java.nio.file.Files.copy(log, logDir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (java.io.IOException e) {
            System.err.println("could not keep " + log + ": " + e.getMessage());
        }
    }
}
