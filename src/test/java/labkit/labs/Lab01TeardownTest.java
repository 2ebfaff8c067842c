package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import labkit.cluster.Cluster;
import labkit.cluster.PgBinaries;
import labkit.cluster.PgInstall;
import labkit.testing.FreePorts;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a lab leaves behind: nothing after Ctrl+C or a node that will not start; a working cluster with --keep. */
class Lab01TeardownTest {
    @TempDir Path out;

    @Test
    void ctrlCDuringTheBaseBackupLeavesNothing() throws Exception {
        // The wrapper execs the lab's JVM, so this process is the lab: SIGINT is what Ctrl+C sends it.
        // (The servers are not in its process group: pg_ctl starts them in a session of their own.)
        int port = FreePorts.block(2);
        // env gives the lab SIGINT's default back: a test run started in the background by a shell
        // (nohup … &) inherits SIGINT ignored, and a JVM that inherits it never hears the Ctrl+C
        var p = new ProcessBuilder("env", "--default-signal=INT", LabProcess.ROOT.resolve("jbang").toString(),
                "lab01-basebackup.java", "--yes", "--runtime", "local", "--port", String.valueOf(port), "--out", out.toString())
                .directory(LabProcess.ROOT.toFile()).redirectErrorStream(true).start();
        var transcript = new StringBuilder();
        try (var lines = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            for (String line; (line = lines.readLine()) != null; ) {
                transcript.append(line).append('\n');
                if (line.startsWith("1.3")) {
                    new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
                }
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), transcript.toString());
        assertTrue(transcript.toString().contains("1.3"), transcript.toString());
        assertNotEquals(0, p.exitValue(), transcript.toString());
        assertTrue(transcript.toString().contains("Tearing down"), transcript.toString());
        assertTrue(transcript.toString().contains("interrupted: the lab stopped"), transcript.toString());
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
        assertTrue(Cluster.portFree(port) && Cluster.portFree(port + 1), "ports still held");
    }

    @Test
    void aNodeThatWillNotStartIsOneClearLine() throws Exception {
        Path bin = brokenServerBin();
        var run = LabProcess.run("lab01-basebackup.java", out, "--yes", "--runtime", "local", "--pg-bin", bin.toString());
        assertEquals(1, run.exitCode(), run.transcript());
        assertEquals(1, run.errorLines().size(), run.transcript());
        assertTrue(run.errorLines().get(0).contains("did not start"), run.transcript());
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
    }

    @Test
    void keepLeavesAClusterToConnectToAndSaysHowToTearItDown() throws Exception {
        int port = FreePorts.block(2);
        var run = LabProcess.run("lab01-basebackup.java", out, "--yes", "--runtime", "local", "--keep",
                "--port", String.valueOf(port));
        assertEquals(0, run.exitCode(), run.transcript());
        List<String> lines = run.stdout().lines().toList();
        String teardown = lines.get(lines.indexOf(lines.stream().filter(l -> l.contains("Tear it down with:"))
                .findFirst().orElseThrow()) + 1).strip();
        // this run's work dir (the hint ends with rm -rf <it>): other labs on the machine have their own
        String workDir = teardown.substring(teardown.lastIndexOf(' ') + 1);
        try {
            assertTrue(run.stdout().contains("psql -h 127.0.0.1 -p " + port), run.transcript());
            assertEquals(2, LabProcess.leftoverServers().stream()
                    .filter(c -> c.contains("bin/postgres") && c.contains(workDir + "/")).count(),
                    "both servers should still run: " + LabProcess.leftoverServers());
        } finally {
            var down = new ProcessBuilder("sh", "-c", teardown).inheritIO().start();
            assertEquals(0, down.waitFor(), teardown);
        }
        assertTrue(LabProcess.leftoverServers().stream().noneMatch(c -> c.contains(workDir + "/")),
                "servers left after: " + teardown);
    }

    /**
     * A --pg-bin whose postgres starts with a setting it refuses: initdb (real) still works, and
     * pg_ctl (real, told with -p to use the broken postgres) fails to start the server.
     */
    private Path brokenServerBin() throws Exception {
        PgInstall real = PgBinaries.find(java.util.Optional.empty(), null, false, s -> {});
        Path bin = Files.createTempDirectory("broken-bin");
        Files.createSymbolicLink(bin.resolve("initdb"), real.tool("initdb"));
        script(bin.resolve("pg_ctl"), """
                case "$1" in start) exec %s "$@" -p %s ;; *) exec %s "$@" ;; esac
                """.formatted(real.tool("pg_ctl"), bin.resolve("postgres"), real.tool("pg_ctl")));
        script(bin.resolve("postgres"), """
                case " $* " in *" -D "*) set -- "$@" -c max_connections=-1 ;; esac
                exec %s "$@"
                """.formatted(real.tool("postgres")));
        bin.toFile().setReadable(true, false);
        bin.toFile().setExecutable(true, false);
        return bin;
    }

    private static void script(Path file, String body) throws Exception {
        Files.writeString(file, "#!/bin/sh\n" + body);
        file.toFile().setReadable(true, false);
        file.toFile().setExecutable(true, false);
    }
}
