package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import labkit.cluster.DockerTestImage;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lab05 on the docker runtime, through ./jbang, on CI's images of docker/mechanisms-image (the
 * leader and Bucardo on 17, the newer followers on 18): the same fields and relations as on the
 * local runtime, and nothing of its compose project left.
 */
class Lab05DockerTest {
    private static final DockerTestImage LEADER = DockerTestImage.MECHANISMS;
    private static final DockerTestImage NEWER = DockerTestImage.MECHANISMS_NEWER;

    @TempDir Path out;

    @Test
    void theSameMechanismsOnDocker() throws Exception {
        LEADER.assumeReady();
        NEWER.assumeReady();
        int port = Lab05LocalTest.freePorts();
        var run = LabProcess.run(Map.of("PGLAB_IMAGE", LEADER.repository()), "lab05-mechanisms.java", out, "--yes",
                "--runtime", "docker", "--pg-version", LEADER.major(), "--newer-version", NEWER.major(),
                "--port", String.valueOf(port));
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.seconds() < 300, "lab05 took " + run.seconds() + " s");
        var s = run.summary();
        assertEquals("docker", s.path("runtime").asText());
        Lab05LocalTest.assertModule5(s, out);
        assertTrue(s.at("/mechanisms/physical/crossVersion/error").asText()
                .contains("initialized by PostgreSQL version " + LEADER.major()), s.at("/mechanisms/physical").toString());
        LabReportsTest.assertReportHasTheStepsCommandsTablesAndEveryPlotItLinks(run, out);
        DockerTestImage.assertNothingLeft("pglab-lab05");
        Lab05LocalTest.assertNothingLeft(port);
    }

    /** Without the image of Bucardo and pgpool-II the lab names the script that builds it, exits 1 and starts nothing. */
    @Test
    void aMissingImageIsOneLineAndStartsNothing() throws Exception {
        LEADER.assumeReady(); // an engine answers
        var run = LabProcess.run(Map.of("PGLAB_IMAGE", "pglab/no-such-mechanisms"), "lab05-mechanisms.java", out, "--yes",
                "--runtime", "docker", "--port", String.valueOf(Lab05LocalTest.freePorts()));
        assertEquals(1, run.exitCode(), run.transcript());
        assertEquals(1, run.errorLines().size(), run.transcript());
        assertTrue(run.errorLines().get(0).contains("pglab/no-such-mechanisms:17"), run.transcript());
        assertTrue(run.errorLines().get(0).contains("docker/mechanisms-image/build.sh"), run.transcript());
        assertFalse(run.stdout().contains("Starting primary"), run.transcript());
        DockerTestImage.assertNothingLeft("pglab-lab05");
    }
}
