package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With no Docker engine: --runtime docker says so in one line, --runtime auto falls back to local and says so. */
class RuntimeChoiceTest {
    /** The Docker client reads DOCKER_HOST: pointing it at no socket is what "Docker is stopped" looks like. */
    private static final Map<String, String> NO_ENGINE = Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock");

    @TempDir Path out;

    @Test
    void dockerWithoutAnEngineIsOneClearLine() throws Exception {
        var run = LabProcess.run(NO_ENGINE, "lab01-basebackup.java", out, "--yes", "--runtime", "docker");
        assertEquals(1, run.exitCode(), run.transcript());
        assertEquals(1, run.errorLines().size(), run.transcript());
        assertTrue(run.errorLines().get(0).contains("no Docker engine answers"), run.transcript());
    }

    @Test
    void autoWithoutAnEngineRunsLocallyAndSaysSo() throws Exception {
        var run = LabProcess.run(NO_ENGINE, "lab01-basebackup.java", out, "--yes", "--runtime", "auto");
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.stdout().contains("No Docker engine answers"), run.transcript());
        assertEquals("local", run.summary().path("runtime").asText());
    }
}
