package labkit.notebook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * What the console is: a terminal (then with its real width, and emphasis unless NO_COLOR is set
 * or TERM is dumb), or a pipe or file (100 columns, plain text: tests and report tools read it).
 */
final class Terminal {
    /** What a projector shows readably, and what the labs' own narrative is wrapped to. */
    static final int DEFAULT_WIDTH = 100;

    private static final String BOLD = "\033[1m";
    private static final String YELLOW = "\033[33m";
    private static final String GREEN = "\033[32m";
    private static final String RESET = "\033[0m";

    private Terminal() {}

    static boolean interactive() {
        return System.console() != null;
    }

    /** Emphasis only for a person at a terminal; https://no-color.org: a non-empty NO_COLOR turns it off. */
    static boolean styled() {
        String noColor = System.getenv("NO_COLOR");
        return interactive() && (noColor == null || noColor.isEmpty()) && !"dumb".equals(System.getenv("TERM"));
    }

    /**
     * Columns of the terminal, asked of it each time (a window may be resized during a lab); 100
     * when the console is no terminal, or the terminal does not say.
     */
    static int width() {
        if (!interactive()) {
            return DEFAULT_WIDTH;
        }
        try {
            // stty reads the size of its standard input: the lab's terminal, not the JVM's pipes
            var p = new ProcessBuilder("sh", "-c", "stty size < /dev/tty").redirectErrorStream(true).start();
            String answer = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(2, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return DEFAULT_WIDTH;
            }
            String[] rowsCols = answer.split("\\s+");
            int cols = rowsCols.length == 2 ? Integer.parseInt(rowsCols[1]) : 0;
            return cols > 0 ? cols : DEFAULT_WIDTH;
        } catch (IOException | NumberFormatException e) {
            return DEFAULT_WIDTH;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DEFAULT_WIDTH;
        }
    }

    static String title(String s) {
        return styled() ? BOLD + s + RESET : s;
    }

    static String event(String s) {
        return styled() ? BOLD + YELLOW + s + RESET : s;
    }

    static String result(String s) {
        return styled() ? GREEN + s + RESET : s;
    }

    /** {@code line} cut to {@code width} characters, so that a line rewritten in place stays one screen line. */
    static String fit(String line, int width) {
        return line.length() < width ? line : line.substring(0, Math.max(0, width - 2)) + "…";
    }
}
