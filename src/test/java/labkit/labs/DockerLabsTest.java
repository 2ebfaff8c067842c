package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.cluster.DockerTestImage;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every lab on the docker runtime, through ./jbang, with the test image CI builds from Debian's
 * packages (no registry there): the same summary facts as on the local runtime, and nothing of the
 * lab's compose project left afterwards.
 */
class DockerLabsTest {
    private static final Map<String, String> TEST_IMAGE = Map.of("PGLAB_IMAGE", DockerTestImage.REPOSITORY);

    @TempDir Path out;

    @BeforeAll
    static void engineAndImage() {
        DockerTestImage.assumeReady();
    }

    @Test
    void lab01() throws Exception {
        JsonNode s = run("lab01-basebackup.java", "lab01");
        Lab01LocalTest.assertModule1(s);
        assertEquals("pg_basebackup", s.path("baseBackup").path("method").asText());
    }

    @Test
    void lab02() throws Exception {
        Lab02LocalTest.assertModule2(run("lab02-async.java", "lab02"), out);
    }

    @Test
    void lab03() throws Exception {
        Lab03LocalTest.assertModule3(run("lab03-sync.java", "lab03"), out);
    }

    @Test
    void lab04() throws Exception {
        Lab04LocalTest.assertModule4(run("lab04-ha.java", "lab04", "--outage", "10s"), out);
    }

    private JsonNode run(String script, String lab, String... extra) throws Exception {
        var args = new ArrayList<>(List.of("--yes", "--runtime", "docker", "--pg-version", DockerTestImage.MAJOR));
        args.addAll(List.of(extra));
        var run = LabProcess.run(TEST_IMAGE, script, out, args.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.transcript());
        JsonNode s = run.summary();
        assertEquals("docker", s.path("runtime").asText());
        DockerTestImage.assertNothingLeft("pglab-" + lab);
        return s;
    }
}
