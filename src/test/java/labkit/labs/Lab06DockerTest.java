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
 * three parts, the current one (18): 6.3 needs PostgreSQL 16 or newer.
 */
class Lab06DockerTest {
    static final DockerTestImage IMAGE = DockerTestImage.CURRENT;

    @TempDir Path out;

    @Test
    void theSameFactsOnDocker() throws Exception {
        IMAGE.assumeReady();
        assertTrue(Integer.parseInt(IMAGE.major()) >= 16, "6.3 needs an image of PostgreSQL 16 or newer: " + IMAGE);
        var run = LabProcess.run(Map.of("PGLAB_IMAGE", IMAGE.repository()), "lab06-consistency.java", out,
                "--yes", "--runtime", "docker", "--pg-version", IMAGE.major());
        assertEquals(0, run.exitCode(), run.transcript());
        JsonNode s = run.summary();
        assertEquals("docker", s.path("runtime").asText());
        assertEquals(Integer.parseInt(IMAGE.major()), Lab06LocalTest.major(s.path("postgresVersion")), s.toString());
        assertEquals(Integer.parseInt(IMAGE.major()), Lab06LocalTest.major(s.path("multiLeader").path("postgresVersion")));
        Lab06LocalTest.assertModule6(s, out);
        DockerTestImage.assertNothingLeft("pglab-lab06");
        DockerTestImage.assertNothingLeft("pglab-lab06-leaders");
    }
}
