package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import labkit.cluster.DockerTestImage;
import labkit.cluster.Env;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What --runtime auto and docker do where Docker cannot run the lab: with no engine, and with an
 * engine that has no image for it and cannot pull one (a fresh machine with no registry in reach).
 */
class RuntimeChoiceTest {
    /** The Docker client reads DOCKER_HOST: pointing it at no socket is what "Docker is stopped" looks like. */
    private static final Map<String, String> NO_ENGINE = Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock");
    /** A repository no engine has and no registry serves: what the official image is where none is reachable. */
    private static final Map<String, String> NO_IMAGE = Map.of("PGLAB_IMAGE", "pglab/absent-xyz");

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

    /** The README's first command, on an engine without the image: the lab runs, and the line says how to get one. */
    @Test
    void autoWithAnEngineButNoImageRunsLocallyAndSaysWhy() throws Exception {
        DockerTestImage.assumeEngine();
        var run = LabProcess.run(NO_IMAGE, "lab01-basebackup.java", out, "--yes");
        assertEquals(0, run.exitCode(), run.transcript());
        String why = run.stdout().lines().filter(l -> l.contains("none can be pulled")).findFirst().orElse("");
        assertTrue(why.contains("no image pglab/absent-xyz:" + Env.get().pgMajor() + " here")
                && why.contains("running PostgreSQL processes on this machine")
                && why.contains("docker/test-image/build.sh") && why.contains("PGLAB_IMAGE="), run.transcript());
        assertEquals("local", run.summary().path("runtime").asText());
    }

    @Test
    void dockerWithAnEngineButNoImageIsOneClearLineAndStartsNothing() throws Exception {
        DockerTestImage.assumeEngine();
        var run = LabProcess.run(NO_IMAGE, "lab01-basebackup.java", out, "--yes", "--runtime", "docker");
        assertEquals(1, run.exitCode(), run.transcript());
        assertEquals(1, run.errorLines().size(), run.transcript());
        String line = run.errorLines().get(0);
        assertTrue(line.contains("no image pglab/absent-xyz:") && line.contains("none can be pulled")
                && line.contains("docker/test-image/build.sh") && line.contains("PGLAB_IMAGE="), run.transcript());
        assertFalse(run.stdout().contains("###"), "a node or the compose project was started: " + run.transcript());
        DockerTestImage.assertNothingLeft("pglab-lab01");
    }
}
