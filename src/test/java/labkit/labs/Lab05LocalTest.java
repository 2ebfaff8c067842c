package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import labkit.cluster.Cluster;
import labkit.testing.FreePorts;
import labkit.testing.LabProcess;
import labkit.testing.Required;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lab05 end to end on the local runtime, through ./jbang, with Bucardo and pgpool-II installed (.ci/run does). */
class Lab05LocalTest {
    private static final List<String> MECHANISMS = List.of("physical", "logical", "trigger", "statement");
    /** The lab's nodes and pgpool take ports from --port on, one each (ten of them; the rest is headroom). */
    private static final int PORTS = 16;

    @TempDir Path out;

    @Test
    void measuresFourMechanismsSideBySide() throws Exception {
        Required.tool(onPath("bucardo") && Files.isExecutable(Path.of("/usr/sbin/pgpool")),
                "Bucardo and pgpool-II are not installed (apt-get install bucardo pgpool2 postgresql-plperl-<major>)");
        int port = freePorts();
        var run = LabProcess.run("lab05-mechanisms.java", out, "--yes", "--runtime", "local", "--port", String.valueOf(port));
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.seconds() < 300, "lab05 took " + run.seconds() + " s");
        assertModule5(run.summary(), out);
        LabReportsTest.assertReportHasTheStepsCommandsTablesAndEveryPlotItLinks(run, out);
        assertNothingLeft(port);
    }

    /** The must-show fields and the relations that hold whatever the noise, on any runtime. */
    static void assertModule5(JsonNode s, Path out) throws Exception {
        JsonNode m = s.path("mechanisms");
        for (String name : MECHANISMS) {
            JsonNode mech = m.path(name);
            assertTrue(mech.path("bytesPer1000Writes").asLong() > 0, name + ": " + mech);
            assertTrue(mech.path("leaderWalBytesPer1000Writes").asLong() > 0, name + ": " + mech);
            assertTrue(mech.path("writeLatency").path("p50Ms").asDouble() > 0, name + ": " + mech);
            assertTrue(mech.path("writeLatency").path("p90Ms").asDouble() >= mech.path("writeLatency").path("p50Ms").asDouble());
            assertTrue(mech.path("writeLatency").path("overheadP50Ms").isNumber(), name + ": " + mech);
            assertTrue(mech.path("writeLatency").path("overheadP90Ms").isNumber(), name + ": " + mech);
            assertTrue(mech.path("lagMs").path("p90").asDouble() >= mech.path("lagMs").path("p50").asDouble(), name + ": " + mech);
            assertEquals(0, mech.path("lagMs").path("keysNeverSeen").asInt(), name + ": " + mech);
            JsonNode cross = mech.path("crossVersion");
            assertTrue(cross.path("from").asText().matches("\\d+\\.\\d+"), name + ": " + cross);
            assertTrue(cross.path("to").asText().matches("\\d+\\.\\d+"), name + ": " + cross);
            assertNotEquals(cross.path("from").asText().split("\\.")[0], cross.path("to").asText().split("\\.")[0]);
            for (String tried : List.of("works", "error")) {
                assertTrue(cross.has(tried), name + ": " + cross);
            }
            for (String tried : List.of("ddlReplicated", "sequencesReplicated", "nondeterministicSafe")) {
                assertTrue(mech.path(tried).isBoolean(), name + "." + tried + ": " + mech);
            }
        }
        assertFalse(m.path("physical").path("crossVersion").path("works").asBoolean());
        assertTrue(m.path("physical").path("crossVersion").path("error").asText()
                .contains("database files are incompatible with server"), m.path("physical").toString());
        assertTrue(m.path("logical").path("crossVersion").path("works").asBoolean(), m.path("logical").toString());
        assertFalse(m.path("statement").path("crossVersion").path("works").asBoolean(), m.path("statement").toString());
        assertTrue(s.path("seed").path("physicalFromDumpRefused").asBoolean(), s.path("seed").toString());
        assertTrue(s.path("seed").path("refusal").asText().contains("database system identifier differs"));

        // what the mechanisms are, seen in this run
        assertTrue(m.path("physical").path("ddlReplicated").asBoolean());
        assertFalse(m.path("logical").path("ddlReplicated").asBoolean());
        assertFalse(m.path("logical").path("sequencesReplicated").asBoolean());
        JsonNode nondeterministic = m.path("statement").path("nondeterministic");
        assertFalse(m.path("statement").path("nondeterministicSafe").asBoolean(), nondeterministic.toString());
        assertNotEquals(nondeterministic.path("leader").path("random").asText(),
                nondeterministic.path("follower").path("random").asText(), "random() came out the same on both nodes");
        assertEquals(nondeterministic.path("leader").path("now").asText(), nondeterministic.path("follower").path("now").asText(),
                "pgpool rewrites now() to a constant");
        for (String safe : List.of("physical", "logical", "trigger")) {
            assertTrue(m.path(safe).path("nondeterministicSafe").asBoolean(), safe + ": " + m.path(safe));
        }
        assertTrue(m.path("trigger").path("leaderWalBytesPer1000Writes").asLong()
                > m.path("physical").path("leaderWalBytesPer1000Writes").asLong(), "trigger WAL per write <= physical: " + m);
        assertTrue(m.path("logical").path("lagMs").path("p50").asDouble() > 0, m.path("logical").toString());

        assertTrue(s.path("plots").toString().contains("mechanisms.png"), s.toString());
        Lab02LocalTest.assertPlots(out, s);
    }

    /** Where Bucardo is not installed the lab says what to install, exits 1 and starts nothing. */
    @Test
    void missingBucardoIsOneLineAndStartsNothing() throws Exception {
        Path path = pathWithout("bucardo");
        int port = freePorts();
        var run = LabProcess.run(Map.of("PATH", path.toString()), "lab05-mechanisms.java", out, "--yes", "--runtime", "local",
                "--port", String.valueOf(port));
        assertEquals(1, run.exitCode(), run.transcript());
        assertEquals(1, run.errorLines().size(), run.transcript());
        assertTrue(run.errorLines().get(0).contains("missing here: bucardo"), run.transcript());
        assertTrue(run.errorLines().get(0).contains("apt-get install bucardo pgpool2"), run.transcript());
        assertFalse(run.stdout().contains("Starting primary"), run.transcript());
        assertNothingLeft(port);
    }

    /** Server binaries from Maven Central cannot host Bucardo's database (no working PL/Perl): said before anything starts. */
    @Test
    void leaderWithoutPlPerlIsOneLineAndStartsNothing() throws Exception {
        Required.tool(onPath("bucardo"), "Bucardo is not installed (apt-get install bucardo): the missing-bucardo test covers this path");
        int port = freePorts();
        var run = LabProcess.run("lab05-mechanisms.java", out, "--yes", "--runtime", "local", "--pg-version", "17",
                "--newer-version", "18", "--port", String.valueOf(port));
        Assumptions.assumeFalse(run.stdout().contains("(PATH)") || run.stdout().contains("(system)"),
                "PostgreSQL 17 is installed here: its PL/Perl may be too");
        assertEquals(1, run.exitCode(), run.transcript());
        assertEquals(1, run.errorLines().size(), run.transcript());
        assertTrue(run.errorLines().get(0).contains("postgresql-plperl-17"), run.transcript());
        assertFalse(run.stdout().contains("Starting primary"), run.transcript());
        assertNothingLeft(port);
    }

    /**
     * The lab's nodes and pgpool held ports from {@code port} on: all free again. (Other labs may run
     * on the same machine meanwhile: their servers are not this lab's business.) And no Bucardo or
     * pgpool process of a lab's work dir is left.
     */
    static void assertNothingLeft(int port) {
        for (int p = port; p < port + PORTS; p++) {
            assertTrue(Cluster.portFree(p), "port " + p + " still held after the lab");
        }
        var tools = ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.startsWith("Bucardo") || (c.contains("pgpool") && c.contains("/pglab-"))).toList();
        assertTrue(tools.isEmpty(), "Bucardo or pgpool left running: " + tools);
    }

    /**
     * The first of {@link #PORTS} free ports in a row on 127.0.0.1, below the ephemeral range (the
     * lab's links listen on ephemeral ports: they must not take one of its nodes' ports).
     */
    static int freePorts() {
        return FreePorts.block(PORTS);
    }

    private static boolean onPath(String program) {
        return List.of(System.getenv("PATH").split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    /** A PATH of one folder linking every program of this PATH but {@code program}. */
    private Path pathWithout(String program) throws IOException {
        Path dir = Files.createDirectories(out.resolve("path"));
        for (String d : System.getenv("PATH").split(":")) {
            Path folder = Path.of(d);
            if (!Files.isDirectory(folder)) {
                continue;
            }
            try (var programs = Files.list(folder)) {
                for (Path p : programs.toList()) {
                    Path link = dir.resolve(p.getFileName());
                    if (!p.getFileName().toString().equals(program) && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, p);
                    }
                }
            }
        }
        return dir;
    }
}
