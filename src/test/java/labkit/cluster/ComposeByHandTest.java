package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.testing.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * compose.yaml without Java, as a student uses it with {@code docker compose} (v2) and the
 * PostgreSQL major of the official image (18, its data layout): up --wait gives a streaming standby
 * with Pagila, a second up after down takes no second base backup, down -v leaves nothing. Runs
 * the test image (no registry in CI) on free ports of its own.
 */
class ComposeByHandTest {
    private static final String PROJECT = "pglab-byhand";
    private static final DockerTestImage IMAGE = DockerTestImage.CURRENT;
    private static final int PRIMARY = FreePorts.block(2);
    private static final int STANDBY = PRIMARY + 1;
    private static final Map<String, String> ENV = Map.of("PGLAB_IMAGE", IMAGE.repository(), "PG_MAJOR", IMAGE.major(),
            "PRIMARY_PORT", String.valueOf(PRIMARY), "STANDBY_PORT", String.valueOf(STANDBY));

    @BeforeAll
    static void engineImageAndCompose() {
        IMAGE.assumeReady();
        DockerTestImage.assumeCompose("v2");
    }

    @AfterEach
    void downWithVolumes() {
        compose("down", "-v", "--remove-orphans");
    }

    @Test
    void upGivesAStreamingStandbyWithPagilaAndRestartsWithoutASecondBackup() throws Exception {
        // --wait: until both healthchecks pass, i.e. the primary loaded Pagila and the standby runs.
        compose("up", "-d", "--wait");
        waitFor(PRIMARY, "SELECT application_name || '|' || state FROM pg_stat_replication", "postgres-standby|streaming");
        waitFor(STANDBY, "SELECT count(*) FROM film", "1000");
        assertEquals("t", sql(STANDBY, "SELECT pg_is_in_recovery()"));
        String version = sql(STANDBY, "SHOW server_version");
        assertTrue(version.startsWith(IMAGE.major() + "."), "server_version " + version + " on " + IMAGE.name());
        assertEquals("/var/lib/postgresql/" + IMAGE.major() + "/docker", sql(PRIMARY, "SHOW data_directory"),
                "compose.yaml's PGDATA, in the volume at /var/lib/postgresql");
        assertEquals(1, baseBackupsLogged(), "the first start takes one base backup");

        compose("down"); // removes the containers, keeps the volumes: the new standby container finds its data
        compose("up", "-d");
        waitFor(PRIMARY, "SELECT state FROM pg_stat_replication WHERE application_name = 'postgres-standby'", "streaming");
        assertEquals(0, baseBackupsLogged(), "a start on existing data takes no second base backup");

        compose("down", "-v", "--remove-orphans");
        DockerTestImage.assertNothingLeft(PROJECT);
    }

    /** pg_basebackup's "base backup completed" lines in the log of the current standby container. */
    private static int baseBackupsLogged() {
        String log = compose("logs", "--no-color", "postgres-standby");
        return log.split("base backup completed", -1).length - 1;
    }

    private static String compose(String... args) {
        var cmd = new ArrayList<>(DockerCompose.find(Env.get().root(), PROJECT, DockerCompose.Flavour.chosen("v2"))
                .command());
        cmd.addAll(List.of(args));
        return Processes.run(cmd, ENV, Duration.ofMinutes(5));
    }

    private static String sql(int port, String query) throws Exception {
        var env = Env.get();
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + env.database(),
                env.superuser(), env.superuserPassword()); var rs = c.createStatement().executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static void waitFor(int port, String query, String expected) throws Exception {
        String last = null;
        for (int i = 0; i < 120; i++) {
            try {
                last = sql(port, query);
                if (expected.equals(last)) {
                    return;
                }
            } catch (java.sql.SQLException e) {
                last = e.getMessage();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("on port " + port + " `" + query + "` expected " + expected + ", last saw " + last);
    }
}
