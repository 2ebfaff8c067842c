package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import labkit.cluster.LocalPatroni;
import labkit.cluster.Patroni;
import labkit.cluster.Ports;
import labkit.notebook.Charts;
import labkit.testing.FreePorts;
import labkit.testing.LabProcess;
import labkit.testing.Required;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lab07 end to end on the local runtime (Patroni 3 and etcd from Debian), through ./jbang. */
class Lab07LocalTest {
    @TempDir Path out;
    @TempDir Path scratch;

    @Test
    void patroniFailsOverRejoinsSplitsTheBrainWaitsForAQuorumAndCascades() throws Exception {
        Required.tool(installed(), "Patroni and etcd are not installed (apt-get install patroni etcd-server)");
        Path lab04 = lab04Summary(scratch);
        int base = FreePorts.block(Patroni.PORTS);
        var run = LabProcess.run("lab07-autofailover.java", out, "--yes", "--runtime", "local",
                "--port", String.valueOf(base), "--manual-from", lab04.toString());
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.seconds() < 300, "took " + run.seconds() + " s");
        assertEquals("local", run.summary().path("runtime").asText());
        assertStory(run.summary(), out, lab04);
        LabReportsTest.assertReportHasTheStepsCommandsTablesAndEveryPlotItLinks(run, out);
        assertTrue(Ports.allFree(base, Patroni.PORTS), "a port of the run is still held: something was left running");
        assertTrue(leftoverPatroni().isEmpty(), "left running: " + leftoverPatroni());
    }

    /** lab04's results as the lab reads them: the comparison must carry them over and say where from. */
    static Path lab04Summary(Path dir) throws IOException {
        Path lab04 = dir.resolve("lab04-summary.json");
        Files.writeString(lab04, """
                {"failover": {"rtoMs": 4321.5, "rtoPhasesMs": {"detect": 3100.0, "promote": 1200.0, "reroute": 21.5},
                 "lostAcked": 7}}""");
        return lab04;
    }

    /** The story's facts, whatever the runtime. */
    static void assertStory(JsonNode s, Path out, Path lab04) throws IOException {

        JsonNode managed = s.path("managed");
        JsonNode phases = managed.path("rtoPhasesMs");
        int ttl = s.path("settings").path("configuredTtl").asInt();
        int loopWait = s.path("settings").path("configuredLoopWait").asInt();
        // the leader key outlives the crash by ttl at most, by ttl - loop_wait at least (its last renewal)
        double expired = managed.path("leaderKeyExpiredAfterMs").asDouble() / 1000;
        assertTrue(expired > ttl - loopWait - 0.5 && expired < ttl + 1, managed.toString());
        assertTrue(phases.path("detect").asDouble() > 0 && phases.path("promote").asDouble() > 0
                && phases.path("reroute").asDouble() > 0, managed.toString());
        assertTrue(managed.path("rtoMs").asDouble() < (ttl + 10) * 1000.0, managed.toString());
        assertTrue(managed.path("lostAcked").isIntegralNumber() && managed.path("lostAcked").asLong() >= 0, managed.toString());
        assertEquals(managed.path("lostAcked").asLong(), managed.path("lostAbsentOnOldLeader").asLong(),
                "pg_rewind throws away on the old leader what the new one never got: " + managed);
        assertEquals("postgres-standby", managed.path("newLeader").asText());
        assertTrue(managed.path("rejoined").asBoolean(), managed.toString());
        assertTrue(managed.path("rewound").asBoolean(), "Patroni's log shows pg_rewind: " + managed);
        assertEquals(2, managed.path("timeline").asInt(), managed.toString());

        JsonNode manual = s.path("manual");
        assertEquals(lab04.toString(), manual.path("source").asText());
        assertTrue(manual.path("found").asBoolean(), manual.toString());
        assertEquals(4321.5, manual.path("rtoMs").asDouble(), manual.toString());
        assertEquals(1200.0, manual.path("rtoPhasesMs").path("promote").asDouble(), manual.toString());

        JsonNode split = s.path("splitBrain");
        long onOld = split.path("writesOnOldPrimary").asLong();
        assertTrue(onOld > 0, "the old primary accepted writes: " + split);
        assertTrue(split.path("writesOnNewPrimary").asLong() > 0, split.toString());
        // nothing the old primary acknowledged after the other's promotion can be on the survivor
        assertTrue(split.path("discardedOnRejoin").asLong() >= onOld, split.toString());
        assertEquals(split.path("discardedOnRejoin").asLong(), split.path("discardedAbsentOnOldPrimary").asLong(),
                split.toString());

        JsonNode quorum = s.path("quorum");
        assertTrue(quorum.path("oneDown").path("okDuringOutage").asLong() > 0, quorum.toString());
        assertTrue(quorum.path("bothDown").path("stalledSeconds").asLong() > 0, quorum.toString());
        assertTrue(quorum.path("bothDown").path("syncRepWaiting").asLong() > 0, quorum.toString());
        assertFalse(quorum.path("bothDown").path("statementTimeoutEndedTheWait").asBoolean(), quorum.toString());
        assertTrue(quorum.path("bothDown").path("cancelWarning").asText().contains("already committed locally"),
                quorum.toString());

        JsonNode cascade = s.path("cascade");
        assertEquals("streaming", cascade.path("s3State").asText(), cascade.toString());
        assertEquals("postgres-standby", cascade.path("upstream").asText(), cascade.toString());
        assertTrue(cascade.path("s1ForwardedBytesPerSecond").asLong() > 0, cascade.toString());
        assertEquals("postgres-primary", cascade.path("upstreamAfterS1Stopped").asText(), cascade.toString());

        var plots = new java.util.HashSet<String>();
        s.path("plots").forEach(p -> plots.add(p.asText()));
        assertEquals(Set.of("throughput.png", "failover.png", "quorum.png"), plots);
        for (JsonNode plot : s.path("plots")) {
            var image = ImageIO.read(out.resolve(plot.asText()).toFile());
            assertNotNull(image, plot + " is not a PNG");
            assertEquals(Charts.WIDTH, image.getWidth(), plot.asText());
        }
        assertTrue(Files.size(out.resolve("logs/postgres-standby.patroni.log")) > 0, "Patroni's logs are kept");
    }

    @Test
    void withoutPatroniAndEtcdTheLabSaysWhichPackagesAndStartsNothing() throws Exception {
        Path bin = pathWithout(Set.of("patroni", "patronictl", "etcd"));
        int base = FreePorts.block(Patroni.PORTS);
        var run = LabProcess.run(Map.of("PATH", bin + ":/usr/local/bin:/usr/sbin:/sbin"), "lab07-autofailover.java", out,
                "--yes", "--runtime", "local", "--port", String.valueOf(base));
        assertEquals(1, run.exitCode(), run.transcript());
        assertEquals(1, run.errorLines().size(), run.transcript());
        String error = run.errorLines().get(0);
        for (String word : new String[] {"patroni", "patronictl", "etcd", "apt-get install patroni etcd-server"}) {
            assertTrue(error.contains(word), "the line names " + word + ": " + error);
        }
        assertFalse(run.stdout().contains("Starting"), "checked before anything starts: " + run.transcript());
        assertTrue(Ports.allFree(base, Patroni.PORTS));
    }

    /** A folder of links to every program of /usr/bin but {@code left}: a PATH on which those are missing. */
    private Path pathWithout(Set<String> left) throws IOException {
        Path bin = scratch.resolve("bin");
        Files.createDirectories(bin);
        try (var programs = Files.list(Path.of("/usr/bin"))) {
            for (Path p : programs.toList()) {
                if (!left.contains(p.getFileName().toString())) {
                    Files.createSymbolicLink(bin.resolve(p.getFileName()), p);
                }
            }
        }
        return bin;
    }

    private static boolean installed() {
        var path = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).map(Path::of).toList();
        return LocalPatroni.PROGRAMS.keySet().stream().allMatch(p -> path.stream().anyMatch(d -> Files.isExecutable(d.resolve(p))));
    }

    /** Patroni or etcd processes whose work dir (/tmp/pglab-patroni-…) is gone: what a teardown missed. */
    private static java.util.List<String> leftoverPatroni() {
        return ProcessHandle.allProcesses().map(ph -> ph.info().commandLine().orElse(""))
                .filter(c -> c.contains("pglab-patroni-"))
                .filter(c -> java.util.Arrays.stream(c.split(" ")).filter(a -> a.contains("pglab-patroni-"))
                        .noneMatch(a -> Files.exists(Path.of(a))))
                .toList();
    }
}
