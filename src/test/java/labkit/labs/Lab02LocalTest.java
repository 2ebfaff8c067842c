package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import labkit.notebook.Charts;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lab02 end to end on the local runtime, through ./jbang, at its default settings. */
class Lab02LocalTest {
    @TempDir Path out;

    @Test
    void measuresLagAndAuditsTheStandbyAfterTheCrash() throws Exception {
        var run = LabProcess.run("lab02-async.java", out, "--yes", "--runtime", "local");
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.seconds() < 120, "lab02 took " + run.seconds() + " s");
        JsonNode s = run.summary();
        assertEquals("local", s.path("runtime").asText());
        assertModule2(s, out);
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
    }

    /** The Module 2 facts, whatever the runtime. */
    static void assertModule2(JsonNode s, Path out) throws Exception {
        assertEquals("async", s.path("mode").asText());
        JsonNode writes = s.path("writes");
        assertTrue(writes.path("ok").asLong() > 0, s.toString());
        assertTrue(writes.path("failed").asLong() + writes.path("unknown").asLong() > 0, "no failures after the kill: " + s);
        assertTrue(s.path("lag").path("samples").asInt() >= 50, s.toString());
        assertTrue(s.path("lag").path("replayLagMsP50").asDouble() > 0, s.toString());
        assertTrue(s.path("lag").path("replayLagMsMax").asDouble() >= s.path("lag").path("replayLagMsP50").asDouble());
        assertTrue(s.path("lag").has("maxBytes"), s.toString());
        for (String op : new String[] {"write", "read"}) {
            JsonNode l = s.path("latency").path(op);
            assertTrue(l.path("p50Ms").asDouble() > 0, op + ": " + l);
            assertTrue(l.path("p90Ms").asDouble() >= l.path("p50Ms").asDouble(), op + ": " + l);
            assertTrue(l.path("p99Ms").asDouble() >= l.path("p90Ms").asDouble(), op + ": " + l);
        }
        JsonNode failure = s.path("failure");
        for (String field : new String[] {"lostAcked", "rpoMs", "unknownPresent", "unknownAbsent"}) {
            assertTrue(failure.has(field), field + " missing: " + failure);
        }
        assertEquals(writes.path("unknown").asLong(),
                failure.path("unknownPresent").asLong() + failure.path("unknownAbsent").asLong());
        assertTrue(s.path("traffic").path("bytesToStandby").asLong() > 0, s.toString());
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
