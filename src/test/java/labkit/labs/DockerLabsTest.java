package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import labkit.cluster.DockerTestImage;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every lab on the docker runtime, through ./jbang, with the test images CI builds from Debian's
 * packages (no registry there): the same summary facts as on the local runtime, on the PostgreSQL
 * major students get (18), and nothing of the lab's compose project left afterwards. The compose
 * CLI is the one the kit picks by itself (v2 where it runs); lab04 also runs on the oldest major
 * kept (15: no data checksums, a promotion that pg_rewind needs checkpointed), and lab01 once
 * more with compose v1.29 forced.
 */
class DockerLabsTest {
    private static final Pattern COMPOSE_V2 = Pattern.compile("with Docker Compose version v?2\\.");
    private static final Pattern COMPOSE_V1 = Pattern.compile("with docker-compose version 1\\.");

    @TempDir Path out;

    @BeforeAll
    static void engineImagesAndCompose() {
        DockerTestImage.CURRENT.assumeReady();
        DockerTestImage.OLD.assumeReady();
        DockerTestImage.assumeCompose("v2");
    }

    @Test
    void lab01() throws Exception {
        JsonNode s = run(DockerTestImage.CURRENT, "", "lab01-basebackup.java", "lab01");
        Lab01LocalTest.assertModule1(s);
        assertEquals("pg_basebackup", s.path("baseBackup").path("method").asText());
        assertMajor(DockerTestImage.CURRENT, s.path("standby").path("version"));
    }

    @Test
    void lab01WithComposeV1() throws Exception {
        DockerTestImage.assumeCompose("v1");
        JsonNode s = run(DockerTestImage.CURRENT, "v1", "lab01-basebackup.java", "lab01");
        Lab01LocalTest.assertModule1(s);
        assertMajor(DockerTestImage.CURRENT, s.path("standby").path("version"));
    }

    @Test
    void lab02() throws Exception {
        JsonNode s = run(DockerTestImage.CURRENT, "", "lab02-async.java", "lab02");
        Lab02LocalTest.assertModule2(s, out);
        assertMajor(DockerTestImage.CURRENT, s.path("postgresVersion"));
    }

    @Test
    void lab03() throws Exception {
        JsonNode s = run(DockerTestImage.CURRENT, "", "lab03-sync.java", "lab03");
        Lab03LocalTest.assertModule3(s, out);
        assertMajor(DockerTestImage.CURRENT, s.path("postgresVersion"));
    }

    @Test
    void lab04() throws Exception {
        JsonNode s = run(DockerTestImage.CURRENT, "", "lab04-ha.java", "lab04", "--outage", "10s");
        Lab04LocalTest.assertModule4(s, out);
        Lab04LocalTest.assertRewoundAfterACrash(s);
        assertMajor(DockerTestImage.CURRENT, s.path("postgresVersion"));
    }

    @Test
    void lab04OnTheOldestMajor() throws Exception {
        JsonNode s = run(DockerTestImage.OLD, "", "lab04-ha.java", "lab04", "--outage", "10s");
        Lab04LocalTest.assertModule4(s, out);
        assertMajor(DockerTestImage.OLD, s.path("postgresVersion"));
    }

    /** {@code compose}: PGLAB_COMPOSE for the run ("" lets the kit choose, "v1" forces docker-compose). */
    private JsonNode run(DockerTestImage image, String compose, String script, String lab, String... extra)
            throws Exception {
        var args = new ArrayList<>(List.of("--yes", "--runtime", "docker", "--pg-version", image.major()));
        args.addAll(List.of(extra));
        // The tag (the major) comes from --pg-version, as a student passes it.
        var env = Map.of("PGLAB_IMAGE", image.repository(), "PGLAB_COMPOSE", compose);
        var run = LabProcess.run(env, script, out, args.toArray(String[]::new));
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue((compose.equals("v1") ? COMPOSE_V1 : COMPOSE_V2).matcher(run.stdout()).find(),
                "the compose CLI the lab names: " + run.transcript());
        JsonNode s = run.summary();
        assertEquals("docker", s.path("runtime").asText());
        DockerTestImage.assertNothingLeft("pglab-" + lab);
        return s;
    }

    /** SHOW server_version, as the lab put it into summary.json, is of the image's major. */
    private static void assertMajor(DockerTestImage image, JsonNode version) {
        assertTrue(version.asText().startsWith(image.major() + "."), "server_version " + version + " on " + image.name());
    }
}
