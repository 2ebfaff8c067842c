package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import labkit.cluster.DockerTestImage;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lab06 on the docker runtime, through ./jbang: the same facts as on the local runtime, and nothing
 * of its two compose projects left (the second standby's profile included). One test image for all
 * three parts: 6.3 needs PostgreSQL 16 or newer, so the image of 18.
 */
class Lab06DockerTest {
    static final String MAJOR = "18";

    @TempDir Path out;

    @Test
    void theSameFactsOnDocker() throws Exception {
        DockerTestImage.assumeReady(MAJOR);
        var run = LabProcess.run(Map.of("PGLAB_IMAGE", DockerTestImage.REPOSITORY), "lab06-consistency.java", out,
                "--yes", "--runtime", "docker", "--pg-version", MAJOR);
        assertEquals(0, run.exitCode(), run.transcript());
        JsonNode s = run.summary();
        assertEquals("docker", s.path("runtime").asText());
        assertEquals(18, Lab06LocalTest.major(s.path("postgresVersion")), s.toString());
        assertTrue(s.path("multiLeader").path("postgresVersion").asText().startsWith(MAJOR + "."), s.toString());
        Lab06LocalTest.assertModule6(s, out);
        DockerTestImage.assertNothingLeft("pglab-lab06");
        DockerTestImage.assertNothingLeft("pglab-lab06-leaders");
    }
}
