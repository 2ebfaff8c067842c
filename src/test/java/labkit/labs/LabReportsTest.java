package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every lab run leaves out/&lt;lab&gt;/report.md, the page an instructor pastes into slides: the
 * lab's steps as headings, its commands and tables, and every plot it lists in summary.json,
 * linked, next to the page. A run that fails leaves its page too, ending with the error.
 */
class LabReportsTest {
    /** A step line as the console prints it: its number (or "Outcome"), two spaces, its title. */
    private static final Pattern STEP = Pattern.compile("(\\d+\\.\\d+|Outcome)  \\S.*");
    private static final Pattern IMAGE = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)");

    @TempDir Path out;

    /**
     * The page of a finished run in {@code out}; each lab's end-to-end test calls this on its own
     * run (running every lab again just for its page would double the suite's time).
     */
    static void assertReportHasTheStepsCommandsTablesAndEveryPlotItLinks(LabProcess run, Path out) throws Exception {
        String page = Files.readString(out.resolve("report.md"));
        List<String> lines = page.lines().toList();
        assertTrue(!page.contains("\033") && !run.stdout().contains("\033"), "escape codes outside a terminal:\n" + page);

        assertEquals("# " + run.stdout().lines().findFirst().orElseThrow(), lines.getFirst(), page);
        var steps = run.stdout().lines().filter(l -> STEP.matcher(l).matches()).map(l -> "## " + l).toList();
        assertTrue(steps.size() >= 3, run.transcript());
        assertEquals(steps, lines.stream().filter(l -> l.startsWith("## ")).toList(), page);
        assertTrue(page.contains("\n```sh\n"), "no command block:\n" + page);
        assertTrue(Pattern.compile("\n\\| .+ \\|\n\\|( -{3} \\|| -{2}: \\|)+\n").matcher(page).find(), "no table:\n" + page);

        var linked = IMAGE.matcher(page).results().map(m -> m.group(1)).toList();
        var listed = new ArrayList<String>();
        run.summary().path("plots").forEach(p -> listed.add(p.asText()));
        assertEquals(listed, linked, "the page links the plots summary.json lists");
        for (String png : linked) {
            Path file = out.resolve(png);
            assertTrue(Files.exists(file), png + " is linked but missing");
            assertNotNull(ImageIO.read(file.toFile()), png + " does not decode");
        }
        assertEquals("Results: [summary.json](summary.json).", lines.getLast());
    }

    @Test
    void aRunThatFailsLeavesItsPageEndingWithTheError() throws Exception {
        // a major Maven Central has no server binaries of: found once the lab has started (a bad
        // option, such as a --pg-bin without postgres, is refused before there is a page at all)
        var run = LabProcess.run("lab01-basebackup.java", out, "--yes", "--runtime", "local", "--pg-version", "99");
        assertEquals(1, run.exitCode(), run.transcript());
        List<String> lines = Files.readString(out.resolve("report.md")).lines().toList();
        assertEquals("# Module 1: Cluster Initialization (Base Backup)", lines.getFirst());
        assertEquals("**" + run.errorLines().getFirst() + "**", lines.getLast());
    }
}
