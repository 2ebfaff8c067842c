package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import labkit.testing.LabProcess;
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
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
    }

    /** The Module 3 facts, whatever the runtime: sync costs at least a round trip, and loses nothing. */
    static void assertModule3(JsonNode s, Path out) throws Exception {
        assertEquals("sync", s.path("sync").path("syncState").asText());
        double rtt = s.path("link").path("rttMs").asDouble();
        assertTrue(rtt > 0, s.toString());
        JsonNode async = s.path("async").path("latency").path("write");
        JsonNode sync = s.path("sync").path("latency").path("write");
        for (JsonNode l : new JsonNode[] {async, sync}) {
            assertTrue(l.path("p50Ms").asDouble() > 0 && l.has("p90Ms") && l.has("p99Ms"), l.toString());
        }
        assertTrue(sync.path("p90Ms").asDouble() - async.path("p90Ms").asDouble() >= rtt,
                "sync p90 should exceed async p90 by a round trip (" + rtt + " ms): " + s);
        assertEquals(0, s.path("failure").path("lostAcked").asLong(), s.toString());
        assertTrue(s.path("failure").has("unknownPresent") && s.path("failure").has("unknownAbsent"), s.toString());
        Lab02LocalTest.assertPlots(out, s);
    }
}
