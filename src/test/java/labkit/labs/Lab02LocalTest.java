package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import labkit.notebook.Charts;
import labkit.testing.LabProcess;
import labkit.testing.Summaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lab02 end to end on the local runtime, through ./jbang, at its default settings. */
class Lab02LocalTest {
    @TempDir Path out;
    @TempDir static Path shared;
    private static LabProcess defaultRun;

    /** The run at the default settings with --yes, which two tests read (one run: the suite's time). */
    private static synchronized LabProcess defaultRun() throws Exception {
        if (defaultRun == null) {
            defaultRun = LabProcess.run("lab02-async.java", shared.resolve("yes"), "--yes", "--runtime", "local");
        }
        return defaultRun;
    }

    @Test
    void measuresLagAndAuditsTheStandbyAfterTheCrash() throws Exception {
        var run = defaultRun();
        Path out = run.out();
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.seconds() < 120, "lab02 took " + run.seconds() + " s");
        JsonNode s = run.summary();
        assertEquals("local", s.path("runtime").asText());
        assertModule2(s, out);
        LabReportsTest.assertReportHasTheStepsCommandsTablesAndEveryPlotItLinks(run, out);
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
    }

    /**
     * In class: a 100-column terminal, no --yes, Enter after seeded pauses of 3–15 s (10 s or more
     * before 2.2). The workload runs on through each pause; the figures must not move with it.
     */
    @Test
    void atATeachersPaceTheFiguresStayTheSameAndTheTableFits() throws Exception {
        var run = AtATeachersPace.run("lab02-async.java", out, "2.2");
        JsonNode s = run.process().summary();
        assertModule2(s, out);
        long paced = s.path("traffic").path("bytesPerAckedWrite").asLong();
        long straight = defaultRun().summary().path("traffic").path("bytesPerAckedWrite").asLong();
        System.out.printf("lab02 bytes per acknowledged write: %d at a teacher's pace (pauses %s), %d with --yes%n",
                paced, run.pauses(), straight);
        assertTrue(Math.abs(paced - straight) <= 0.15 * straight, paced + " at a teacher's pace, " + straight + " with --yes");

        var table = AtATeachersPace.linesOf(run, "2.2", "pg_stat_replication\"");
        assertTrue(table.stream().anyMatch(l -> l.contains("-[ RECORD 1 ]")), "not expanded:\n" + String.join("\n", table));
        assertTrue(table.stream().anyMatch(l -> l.contains("application_name") && l.contains("postgres-standby")),
                String.join("\n", table));
        assertEquals(List.of(), table.stream().filter(l -> l.length() > 100).toList(), "lines wider than the terminal");
        AtATeachersPace.assertTheLiveLineNamesThePauseBefore(run, "2.2", 10);
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
    }

    /**
     * Module 2's lesson at the default settings: a zone failure loses acknowledged writes. One run
     * may be unlucky (the standby had it all when the primary died), so up to three runs; the
     * attempts are printed, and bench/lesson-fidelity says how often the lesson shows.
     */
    @Test
    void theDefaultSettingsLoseAcknowledgedWrites() throws Exception {
        var lost = new java.util.ArrayList<Long>();
        for (int attempt = 1; attempt <= 3; attempt++) {
            var run = LabProcess.run("lab02-async.java", out.resolve("attempt-" + attempt), "--yes", "--runtime", "local");
            assertEquals(0, run.exitCode(), run.transcript());
            lost.add(run.summary().path("failure").path("lostAcked").asLong());
            if (lost.getLast() >= 1) {
                break;
            }
        }
        System.out.println("lab02 acknowledged writes lost, per attempt: " + lost);
        assertTrue(lost.getLast() >= 1, "no acknowledged write lost in " + lost.size() + " runs: " + lost);
    }

    /** The Module 2 facts, whatever the runtime: what the workload, the link and the crash did. */
    static void assertModule2(JsonNode s, Path out) throws Exception {
        assertEquals(java.util.List.of(), Summaries.unnamedWindows("lab02", s), s.toString());
        assertEquals("async", s.path("mode").asText());
        assertEquals(List.of(), Summaries.zerosThatMeanNotMeasured(s), s.toString());
        JsonNode writes = s.path("writes");
        JsonNode settings = s.path("settings");
        double arrived = settings.path("configuredRate").asDouble() * settings.path("configuredRunForSeconds").asDouble();
        assertTrue(writes.path("ok").asLong() >= 0.9 * arrived, "the open model kept its rate until the crash: " + s);
        assertTrue(writes.path("failed").asLong() + writes.path("unknown").asLong() > 0, "no failures after the kill: " + s);
        JsonNode link = s.path("link");
        double rtt = link.path("rttMs").path("p50").asDouble();
        assertTrue(rtt >= link.path("configuredRttMs").asDouble(), "a round trip through the relay beat its delay: " + link);
        JsonNode lag = s.path("lag");
        assertTrue(lag.path("samples").asInt() >= 50, s.toString());
        // replay_lag runs until the standby's reply is back: about a round trip, less at most the jitter both ways
        assertTrue(lag.path("replayLagMsP50").asDouble() >= rtt - 2 * link.path("configuredJitterMs").asDouble() - 1,
                "replay lag below the round trip: " + s);
        assertTrue(lag.path("replayLagMsMax").asDouble() >= lag.path("replayLagMsP50").asDouble());
        for (String op : new String[] {"write", "read"}) {
            JsonNode l = s.path("latency").path(op);
            assertTrue(l.path("p50Ms").asDouble() > 0, op + ": " + l);
            assertTrue(l.path("p90Ms").asDouble() >= l.path("p50Ms").asDouble(), op + ": " + l);
            assertTrue(l.path("p99Ms").asDouble() >= l.path("p90Ms").asDouble(), op + ": " + l);
        }
        JsonNode failure = s.path("failure");
        assertEquals(failure.path("lostAcked").asLong() > 0, failure.path("rpoMs").asDouble() > 0, failure.toString());
        // after the fault each pooled connection finds itself broken once, on its first write
        assertTrue(failure.path("unknownSentAfterFault").asLong() <= 32, failure.toString());
        assertTrue(s.path("traffic").path("bytesPerAckedWrite").asLong() > 200, "a rental's WAL is more: " + s);
        assertTrue(s.path("traffic").path("bytesFromStandby").asLong() > 0, s.toString());
        assertPlots(out, s);
    }

    @Test
    void loadK6WithoutK6IsOneClearLineAndStartsNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.util.Arrays.stream(System.getenv("PATH").split(":"))
                .noneMatch(dir -> java.nio.file.Files.isExecutable(Path.of(dir, "k6"))), "a k6 is on PATH");
        var run = LabProcess.run("lab02-async.java", out, "--yes", "--runtime", "local", "--load", "k6");
        assertEquals(1, run.exitCode(), run.transcript());
        assertEquals(1, run.errorLines().size(), run.transcript());
        assertTrue(run.errorLines().get(0).contains("xk6 build") && run.errorLines().get(0).contains("docker compose"),
                run.transcript());
        assertTrue(!run.stdout().contains("Starting primary"), run.transcript());
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
    }

    /** Every PNG listed in summary.json exists, decodes and has the charts' size. */
    static void assertPlots(Path out, JsonNode summary) throws Exception {
        assertTrue(summary.path("plots").size() > 0, summary.toString());
        for (JsonNode plot : summary.path("plots")) {
            var image = ImageIO.read(out.resolve(plot.asText()).toFile());
            assertNotNull(image, plot + " does not decode");
            assertEquals(Charts.WIDTH, image.getWidth(), plot.asText());
            assertEquals(Charts.HEIGHT, image.getHeight(), plot.asText());
        }
    }
}
