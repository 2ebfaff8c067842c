package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import labkit.testing.TeacherAtATerminal;

/**
 * What every lab run at a teacher's pace (in a terminal, without --yes, {@link TeacherAtATerminal})
 * must show, whatever the lab: it waited at every prompt however early a key was pressed, it drew
 * each prompt on one line, and kept escape codes out of its report.
 */
final class AtATeachersPace {
    /** The seed of the pauses: the same run each time, and another seed is a one-line change. */
    static final long SEED = 16;

    private static final Pattern PAUSE_LINE = Pattern.compile("t=\\s*[\\d.]+s  pause of ([\\d.]+) s: \\d+ ok \\([\\d.]+/s\\), \\d+ failed .*");

    private AtATeachersPace() {}

    /**
     * Runs {@code script} on the local runtime in a 100-column terminal, at the seeded pace (10 s or
     * more before {@code longStep}), and checks {@link #assertWaitedAtEveryPrompt}.
     */
    static TeacherAtATerminal.Result run(String script, Path out, String longStep) throws Exception {
        var run = TeacherAtATerminal.run(script, out, 100, TeacherAtATerminal.randomPauses(SEED, longStep),
                "--runtime", "local");
        assertWaitedAtEveryPrompt(run, out);
        return run;
    }

    static void assertWaitedAtEveryPrompt(TeacherAtATerminal.Result run, Path out) throws IOException {
        assertEquals(0, run.process().exitCode(), run.terminal());
        assertTrue(run.pauses().size() >= 4, "paused at " + run.pauses());
        assertEquals(List.of(), run.stepsThatDidNotWait(), "a key pressed during a step answered the next prompt");
        for (var pause : run.pauses()) {
            // a line rewritten in place is one screen line: split at newlines only (String.lines() splits at \r too)
            long prompts = Stream.of(run.terminal().split("\n"))
                    .filter(l -> l.contains("[Enter] to go on to " + pause.step())).count();
            assertEquals(1, prompts, "the prompt for " + pause.step() + " on " + prompts + " lines:\n" + run.terminal());
        }
        assertTrue(run.terminal().contains("\033[1m"), "no emphasis in a terminal");
        assertTrue(!Files.readString(out.resolve("report.md")).contains("\033"), "escape codes in report.md");
    }

    /** The first live line after the title of {@code step}: it must name the pause before it, of at least {@code atLeast} s. */
    static void assertTheLiveLineNamesThePauseBefore(TeacherAtATerminal.Result run, String step, double atLeast) {
        List<String> lines = run.screenLines();
        int title = indexOf(lines, l -> l.startsWith(step + "  "), 0);
        int live = indexOf(lines, l -> l.strip().startsWith("t="), title);
        assertTrue(title >= 0 && live >= 0, run.terminal());
        var m = PAUSE_LINE.matcher(lines.get(live).strip());
        assertTrue(m.matches(), "the live line after the pause before " + step + ": " + lines.get(live));
        assertTrue(Double.parseDouble(m.group(1)) >= atLeast, lines.get(live));
    }

    /** The lines of {@code step} from the first one containing {@code from} to the next live line. */
    static List<String> linesOf(TeacherAtATerminal.Result run, String step, String from) {
        List<String> lines = run.screenLines();
        int start = indexOf(lines, l -> l.contains(from), indexOf(lines, l -> l.startsWith(step + "  "), 0));
        int end = indexOf(lines, l -> l.strip().startsWith("t="), start);
        assertTrue(start >= 0 && end > start, run.terminal());
        return lines.subList(start + 1, end);
    }

    private static int indexOf(List<String> lines, java.util.function.Predicate<String> test, int from) {
        if (from < 0) {
            return -1;
        }
        for (int i = from; i < lines.size(); i++) {
            if (test.test(lines.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
