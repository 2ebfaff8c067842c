package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import labkit.cluster.Cluster;
import labkit.notebook.Charts;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lab04 end to end on the local runtime, through ./jbang, as a student runs it. */
class Lab04LocalTest {
    @TempDir Path out;

    @Test
    void followerCatchesUpAndFailoverLosesNothing() throws Exception {
        var run = LabProcess.run("lab04-ha.java", out, "--yes", "--runtime", "local", "--outage", "10s");
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.seconds() < 240, "took " + run.seconds() + " s");
        JsonNode s = run.summary();

        assertEquals("local", s.path("runtime").asText());
        assertModule4(s, out);
        // the ports this run used (15432/15433, or others when those were taken): nothing listens there any more
        var ports = Pattern.compile("(?:Starting primary|Started standby) \"[^\"]+\" on port (\\d+)").matcher(run.stdout())
                .results().map(m -> m.group(1)).toList();
        assertEquals(2, ports.size(), run.transcript());
        ports.forEach(port -> assertTrue(Cluster.portFree(Integer.parseInt(port)), "port " + port + " still held"));
        var left = LabProcess.leftoverServers().stream().filter(server -> ofThisRun(server, ports)).toList();
        assertTrue(left.isEmpty(), "servers left: " + left);
    }

    /** The Module 4 facts, whatever the runtime. */
    static void assertModule4(JsonNode s, Path out) throws Exception {
        JsonNode follower = s.path("followerFailure");
        assertTrue(follower.path("sync").path("stalledSeconds").asLong() > 0, "sync writes did not stall: " + follower);
        assertTrue(follower.path("sync").path("syncRepWaiting").asLong() > 0, "no commit waited on SyncRep: " + follower);
        assertTrue(follower.path("async").path("okDuringOutage").asLong() > 0, "async writes stopped: " + follower);
        assertEquals(0, follower.path("async").path("stalledSeconds").asLong(), follower.toString());
        assertTrue(follower.path("async").path("missedWalBytes").asLong() > 0, follower.toString());
        assertTrue(follower.path("catchUpSeconds").isNumber() && follower.path("catchUpSeconds").asDouble() > 0,
                follower.toString());
        assertEquals(0, follower.path("lostAcked").asLong(), follower.toString());

        JsonNode failover = s.path("failover");
        assertEquals("postgres-standby", failover.path("newPrimary").asText());
        JsonNode phases = failover.path("rtoPhasesMs");
        double detect = phases.path("detect").asDouble(-1);
        double promote = phases.path("promote").asDouble(-1);
        double reroute = phases.path("reroute").asDouble(-1);
        assertTrue(detect > 0 && promote > 0 && reroute > 0, failover.toString());
        assertEquals(failover.path("rtoMs").asDouble(), detect + promote + reroute, 0.1, failover.toString());
        assertTrue(failover.path("lostAcked").isNumber(), failover.toString());
        assertEquals(0, failover.path("lostAcked").asLong(), "a clean stop of the primary must lose nothing: " + failover);
        assertEquals(2, failover.path("timeline").asInt(), failover.toString());
        assertTrue(failover.path("rewind").asBoolean(), failover.toString());
        assertEquals("streaming", failover.path("oldPrimaryState").asText());
        assertTrue(failover.path("dataEqual").asBoolean(), failover.toString());
        assertTrue(failover.path("rows").asLong() > 0, failover.toString());

        assertTrue(s.path("plots").size() >= 2, s.toString());
        for (JsonNode plot : s.path("plots")) {
            var image = ImageIO.read(out.resolve(plot.asText()).toFile());
            assertNotNull(image, plot + " is not a PNG");
            assertEquals(Charts.WIDTH, image.getWidth(), plot.asText());
            assertEquals(Charts.HEIGHT, image.getHeight(), plot.asText());
        }
        assertTrue(Files.size(out.resolve("per-second.csv")) > 0);
        assertTrue(Files.exists(out.resolve("logs/postgres-standby.log")), "standby log kept");
    }

    /**
     * Other labs may run on this machine meanwhile (other ports, their own work dirs): a server is
     * this run's when its postmaster.pid names one of the run's ports, or when its work dir is gone
     * already (a server the teardown missed).
     */
    private static boolean ofThisRun(String commandLine, List<String> ports) {
        var dataDir = Pattern.compile(" -D (\\S+)").matcher(commandLine);
        if (!dataDir.find()) {
            return true;
        }
        try {
            List<String> pid = Files.readAllLines(Path.of(dataDir.group(1), "postmaster.pid"));
            return pid.size() > 3 && ports.contains(pid.get(3).strip());
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void badOutageIsOneClearLine() throws Exception {
        var malformed = LabProcess.run("lab04-ha.java", out, "--yes", "--runtime", "local", "--outage", "ten");
        assertEquals(2, malformed.exitCode(), malformed.transcript());
        assertEquals(1, malformed.errorLines().size(), malformed.transcript());
        assertTrue(malformed.errorLines().get(0).contains("ten"), malformed.transcript());

        var tooShort = LabProcess.run("lab04-ha.java", out, "--yes", "--runtime", "local", "--outage", "0s");
        assertEquals(1, tooShort.exitCode(), tooShort.transcript());
        assertEquals(1, tooShort.errorLines().size(), tooShort.transcript());
        assertTrue(tooShort.errorLines().get(0).contains("--outage"), tooShort.transcript());
        assertFalse(tooShort.stdout().contains("Starting primary"), "checked before any node starts: " + tooShort.transcript());
    }
}
