package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import labkit.testing.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real thing: PostgreSQL server binaries of PG_MAJOR downloaded from Maven Central into an
 * empty cache (the local Maven repository is not used), then a server initialised, started, queried
 * and stopped with them, as the server user when the tests run as root.
 */
class PgBinariesMavenCentralTest {
    private static final Duration PG_CTL_TIMEOUT = Duration.ofSeconds(90);
    private static Path base;
    private static PgInstall pg;
    private static final List<String> progress = new ArrayList<>();

    @BeforeAll
    static void downloadOnce() throws IOException {
        base = Files.createTempDirectory("pgbin-central");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        int major = Integer.parseInt(Env.get().pgMajor());
        pg = PgBinaries.download(major, MavenCentralBinaries.MAVEN_CENTRAL, base.resolve("cache"), base.resolve("empty-m2"), line -> {
            progress.add(line);
            System.out.println(line);
        });
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (Stream<Path> all = Files.walk(base)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void downloadedCheckedAndExtractedWithServerProgramsOnly() {
        String major = Env.get().pgMajor();
        assertEquals("maven-central", pg.source());
        assertEquals(Integer.parseInt(major), pg.major());
        assertTrue(pg.version().startsWith(major + "."), pg.version());
        assertTrue(pg.binDir().startsWith(base.resolve("cache").toAbsolutePath()), pg.binDir().toString());
        assertFalse(pg.hasPgBasebackup(), "the Maven Central binaries carry no pg_basebackup");
        assertFalse(pg.hasPgRewind(), "the Maven Central binaries carry no pg_rewind");
        assertTrue(progress.get(0).startsWith("Downloading PostgreSQL " + major + "."), progress.toString());
        assertTrue(progress.stream().anyMatch(l -> l.matches(" +\\d+\\.\\d MB of \\d+\\.\\d MB")), progress.toString());
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("SHA-1 verified (")), progress.toString());

        String out = Processes.run(OsUser.asServerUser(List.of(pg.tool("postgres").toString(), "--version")), Map.of(),
                Duration.ofSeconds(30));
        assertTrue(out.startsWith("postgres (PostgreSQL) " + pg.version()), out);
    }

    @Test
    void initdbStartQueryStopAsTheServerUser() throws Exception {
        Path work = Files.createDirectories(base.resolve("work"));
        Path data = work.resolve("data");
        OsUser.chown(work);
        int port = FreePorts.one();
        Processes.run(OsUser.asServerUser(List.of(pg.tool("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--no-instructions")), Map.of(), PG_CTL_TIMEOUT);
        var pgCtl = pg.tool("pg_ctl").toString();
        Processes.run(OsUser.asServerUser(List.of(pgCtl, "-D", data.toString(), "-l", work.resolve("server.log").toString(),
                "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + work, "-w", "start")), Map.of(), PG_CTL_TIMEOUT);
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
             var rs = c.createStatement().executeQuery("SELECT version()")) {
            assertTrue(rs.next());
            assertTrue(rs.getString(1).startsWith("PostgreSQL " + pg.version()), rs.getString(1));
        } finally {
            Processes.run(OsUser.asServerUser(List.of(pgCtl, "-D", data.toString(), "-m", "fast", "-w", "stop")), Map.of(),
                    PG_CTL_TIMEOUT);
        }
        assertFalse(Files.exists(data.resolve("postmaster.pid")), "the server stopped");
    }

}
