package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import labkit.cluster.DockerTestImage;
import labkit.cluster.LabException;
import labkit.cluster.Patroni;
import labkit.cluster.Ports;
import labkit.cluster.Processes;
import labkit.testing.FreePorts;
import labkit.testing.LabProcess;
import labkit.testing.Required;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lab07 end to end on the Docker runtime (compose.ha.yaml), with the CI images: the Patroni member
 * image docker/patroni/build.sh makes on the test image, which also runs etcd.
 */
class Lab07DockerTest {
    private static final String IMAGE = "pglab/patroni-test";
    private static final Map<String, String> CI_IMAGES = Map.of("PGLAB_PATRONI_IMAGE", IMAGE,
            "PGLAB_ETCD_IMAGE", IMAGE + ":" + DockerTestImage.OLD.major());

    @TempDir Path out;
    @TempDir Path scratch;

    @Test
    void theSameStoryInContainers() throws Exception {
        // bookworm's Patroni 3.0 knows PostgreSQL up to 15: the member image is built on the 15 test image
        DockerTestImage.OLD.assumeReady();
        String missing = "no image " + IMAGE + ":" + DockerTestImage.OLD.major() + " (build it with docker/patroni/build.sh)";
        Required.tool(hasImage(IMAGE + ":" + DockerTestImage.OLD.major()), missing);
        Path lab04 = Lab07LocalTest.lab04Summary(scratch);
        int base = FreePorts.block(Patroni.PORTS);
        var run = LabProcess.run(CI_IMAGES, "lab07-autofailover.java", out, "--yes", "--runtime", "docker",
                "--pg-version", DockerTestImage.OLD.major(), "--port", String.valueOf(base), "--manual-from", lab04.toString());
        assertEquals(0, run.exitCode(), run.transcript());
        assertEquals("docker", run.summary().path("runtime").asText());
        Lab07LocalTest.assertStory(run.summary(), out, lab04);
        DockerTestImage.assertNothingLeft("pglab-lab07");
        assertTrue(Ports.allFree(base, Patroni.PORTS), "a port of the run is still held");
    }

    private static boolean hasImage(String image) {
        try {
            Processes.run(java.util.List.of("docker", "image", "inspect", image), Map.of(), Duration.ofSeconds(30));
            return true;
        } catch (LabException e) {
            return false;
        }
    }
}
