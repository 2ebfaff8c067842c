package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import labkit.testing.LabProcess;
import labkit.testing.Summaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lab03 end to end on the local runtime: the price of sync replication, and no acknowledged write lost. */
class Lab03LocalTest {
    @TempDir Path out;

    @Test
    void syncCostsARoundTripAndLosesNothing() throws Exception {
        var run = LabProcess.run("lab03-sync.java", out, "--yes", "--runtime", "local");
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.seconds() < 180, "lab03 took " + run.seconds() + " s");
        JsonNode s = run.summary();
        assertEquals("local", s.path("runtime").asText());
        assertModule3(s, out);
        LabReportsTest.assertReportHasTheStepsCommandsTablesAndEveryPlotItLinks(run, out);
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
    }

    /**
     * In class: no --yes, Enter after seeded pauses of 3–15 s at every step (10 s or more before
     * 3.3, while the sync workload runs). Each phase's percentiles cover that phase alone.
     */
    @Test
    void atATeachersPaceSyncStillCostsARoundTrip() throws Exception {
        var run = AtATeachersPace.run("lab03-sync.java", out, "3.3");
        JsonNode s = run.process().summary();
        assertModule3(s, out);
        System.out.printf("lab03 at a teacher's pace (pauses %s): write p50 async %s ms, sync %s ms, link rtt p50 %s ms%n",
                run.pauses(), s.path("async").path("latency").path("write").path("p50Ms"),
                s.path("sync").path("latency").path("write").path("p50Ms"), s.path("link").path("rttMs").path("p50"));
        AtATeachersPace.assertTheLiveLineNamesThePauseBefore(run, "3.3", 10);
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
    }

    /** The Module 3 facts, whatever the runtime: sync costs at least the measured round trip, and loses nothing. */
    static void assertModule3(JsonNode s, Path out) throws Exception {
        assertEquals(java.util.List.of(), Summaries.unnamedWindows("lab03", s), s.toString());
        assertEquals("sync", s.path("sync").path("syncState").asText());
        assertEquals(java.util.List.of(), Summaries.zerosThatMeanNotMeasured(s), s.toString());
        JsonNode link = s.path("link");
        double rtt = link.path("rttMs").path("p50").asDouble();
        assertTrue(link.path("rttMs").path("samples").asInt() > 50, link.toString());
        assertTrue(rtt >= link.path("configuredRttMs").asDouble(), "a round trip through the relay beat its delay: " + link);
        JsonNode async = s.path("async").path("latency").path("write");
        JsonNode sync = s.path("sync").path("latency").path("write");
        for (JsonNode l : new JsonNode[] {async, sync}) {
            assertTrue(l.path("p50Ms").asDouble() > 0 && l.has("p90Ms") && l.has("p99Ms"), l.toString());
        }
        // every sync commit waits one round trip at least: the medians differ by about one, and almost no
        // sync commit beats the round trip's fast end (a difference of p90s is no estimate of it)
        double extra = sync.path("p50Ms").asDouble() - async.path("p50Ms").asDouble();
        assertTrue(extra >= rtt - 1 && extra <= rtt + 10,
                "sync p50 - async p50 = " + extra + " ms should be within [rtt p50 - 1, rtt p50 + 10] (rtt p50 " + rtt + " ms): " + s);
        JsonNode paid = s.path("sync").path("roundTripPaid");
        assertTrue(paid.path("evidence").path("syncFasterThanRttP10").asDouble(1) < 0.01,
                "1 % or more of sync commits beat the round trip's p10: " + paid);
        assertTrue(paid.path("held").asBoolean(), paid.toString());
        JsonNode failure = s.path("failure");
        assertEquals(0, failure.path("lostAcked").asLong(), s.toString());
        // a sync commit in flight waits for the standby: some writes are always in flight at the crash
        assertTrue(failure.path("unknownSentBeforeFault").asLong() > 0, failure.toString());
        assertTrue(failure.path("unknownSentAfterFault").asLong() <= 32, failure.toString());
        Lab02LocalTest.assertPlots(out, s);
    }
}
