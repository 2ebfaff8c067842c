package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import labkit.cluster.Cluster;
import labkit.cluster.PgBinaries;
import labkit.testing.FreePorts;
import labkit.testing.LabProcess;
import labkit.testing.Summaries;
import labkit.workload.Pagila;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lab01 end to end on the local runtime, through ./jbang, as a student runs it. */
class Lab01LocalTest {
    @TempDir Path out;

    @Test
    void buildsAStreamingStandbyWithTheSameData() throws Exception {
        int port = FreePorts.block(2);
        var run = LabProcess.run("lab01-basebackup.java", out, "--yes", "--runtime", "local", "--port", String.valueOf(port));
        assertEquals(0, run.exitCode(), run.transcript());
        JsonNode s = run.summary();
        assertEquals("local", s.path("runtime").asText());
        assertModule1(s);
        LabReportsTest.assertReportHasTheStepsCommandsTablesAndEveryPlotItLinks(run, out);
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
        assertTrue(Cluster.portFree(port) && Cluster.portFree(port + 1), "ports still held after the lab");
        assertTrue(Files.exists(out.resolve("logs/postgres-primary.log")), "primary log kept");
    }

    /** The Module 1 outcome, whatever the runtime: a streaming standby with the same data. */
    static void assertModule1(JsonNode s) {
        assertEquals(java.util.List.of(), Summaries.unnamedWindows("lab01", s), s.toString());
        assertEquals("streaming", s.path("standby").path("state").asText());
        assertEquals("postgres-standby", s.path("standby").path("applicationName").asText());
        assertTrue(s.path("primary").path("version").asText().matches("\\d+.*"), s.toString());
        assertEquals(s.path("primary").path("version").asText(), s.path("standby").path("version").asText());
        assertTrue(s.path("baseBackup").path("bytes").asLong() > 0, s.toString());
        assertTrue(s.path("baseBackup").path("method").asText().matches("pg_basebackup|low-level-api"), s.toString());
        assertTrue(s.path("dataset").path("source").asText().matches("generated|official"), s.toString());
        for (String table : Pagila.MAIN_TABLES) {
            JsonNode t = s.path("tables").path(table);
            assertTrue(t.path("primary").asLong() > 0, table + ": " + t);
            assertEquals(t.path("primary").asLong(), t.path("standby").asLong(), table + ": " + t);
        }
    }

    /** Where PostgreSQL 18 is not installed, its server binaries come from Maven Central: no pg_basebackup there. */
    @Test
    void lowLevelBackupWithServerBinariesFromMavenCentral() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(PgBinaries.find(java.util.Optional.empty(), null, false, s -> {})
                .major() != 18, "PostgreSQL 18 is installed here: the Maven Central path would not be taken");
        var run = LabProcess.run("lab01-basebackup.java", out, "--yes", "--runtime", "local", "--pg-version", "18");
        assertEquals(0, run.exitCode(), run.transcript());
        JsonNode s = run.summary();
        assertTrue(run.stdout().contains("(maven-central)"), run.transcript());
        assertEquals("low-level-api", s.path("baseBackup").path("method").asText());
        assertTrue(s.path("primary").path("version").asText().startsWith("18."), s.toString());
        assertEquals("streaming", s.path("standby").path("state").asText());
        JsonNode rental = s.path("tables").path("rental");
        assertTrue(rental.path("primary").asLong() > 0 && rental.path("primary").equals(rental.path("standby")), s.toString());
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
    }

    @Test
    void scaleMultipliesTheRentals() throws Exception {
        var one = LabProcess.run("lab01-basebackup.java", out.resolve("s1"), "--yes", "--runtime", "local",
                "--dataset", "generated");
        var five = LabProcess.run("lab01-basebackup.java", out.resolve("s5"), "--yes", "--runtime", "local",
                "--dataset", "generated", "--scale", "5");
        assertEquals(0, one.exitCode(), one.transcript());
        assertEquals(0, five.exitCode(), five.transcript());
        double ratio = five.summary().path("tables").path("rental").path("standby").asDouble()
                / one.summary().path("tables").path("rental").path("standby").asDouble();
        assertTrue(ratio > 4.5 && ratio < 5.5, "scale 5 gave " + ratio + " times the rentals");
    }

    @Test
    void unknownOptionIsOneClearLine() throws Exception {
        var run = LabProcess.run("lab01-basebackup.java", out, "--yes", "--no-such-option");
        assertEquals(2, run.exitCode(), run.transcript());
        assertEquals(1, run.errorLines().size(), run.transcript());
        assertTrue(run.errorLines().get(0).contains("--no-such-option"), run.transcript());
    }

    @Test
    void pgBinPointingNowhereIsOneClearLine() throws Exception {
        var run = LabProcess.run("lab01-basebackup.java", out, "--yes", "--runtime", "local", "--pg-bin", "/nowhere");
        assertEquals(2, run.exitCode(), run.transcript());
        assertEquals(1, run.errorLines().size(), run.transcript());
        assertTrue(run.errorLines().get(0).contains("/nowhere"), run.transcript());
        assertTrue(LabProcess.leftoverServers().isEmpty());
    }

    @Test
    void portInUseIsOneClearLine() throws Exception {
        try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            var run = LabProcess.run("lab01-basebackup.java", out, "--yes", "--runtime", "local",
                    "--port", String.valueOf(taken.getLocalPort()));
            assertEquals(2, run.exitCode(), run.transcript());
            assertEquals(1, run.errorLines().size(), run.transcript());
            assertTrue(run.errorLines().get(0).contains("in use"), run.transcript());
        }
    }
}
