package labkit.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import labkit.cluster.Env;
import labkit.cluster.LabException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding a k6 that can run the lab's script, and the one line that says how to get one. */
class K6Test {
    @TempDir
    Path dir;

    static Path executable(Path dir, String name, String script) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** A plain k6 from a package: no extensions. */
    static final String PLAIN_K6 = "#!/bin/sh\necho 'k6 v1.3.0 (go1.24.6, linux/amd64)'\n";

    private static void assertSaysHowToGetOne(LabException e) {
        String m = e.getMessage();
        assertTrue(m.startsWith("k6 with the xk6-sql extension not found"), m);
        assertTrue(m.contains("xk6 build --with github.com/grafana/xk6-sql --with github.com/grafana/xk6-sql-driver-postgres"), m);
        assertTrue(m.contains("docker compose --profile k6 build k6"), m);
        assertEquals(1, m.lines().count(), m);
    }

    @Test
    void noK6OnAnEmptyPath() {
        var e = assertThrows(LabException.class, () -> K6.find(null, dir.toString()));
        assertSaysHowToGetOne(e);
        assertTrue(e.getMessage().contains("(no k6 on PATH)"), e.getMessage());
    }

    @Test
    void aK6WithoutXk6SqlIsNamedAndRefused() throws Exception {
        Path k6 = executable(dir, "k6", PLAIN_K6);
        var e = assertThrows(LabException.class, () -> K6.find(null, dir.toString()));
        assertSaysHowToGetOne(e);
        assertTrue(e.getMessage().contains(k6 + " (k6 v1.3.0 (go1.24.6, linux/amd64)) has no xk6-sql PostgreSQL driver"),
                e.getMessage());
    }

    @Test
    void theDockerRuntimeWithoutTheImageSaysSoToo() {
        // No docker here, or docker without the image: either way no image pglab-k6.
        var e = assertThrows(LabException.class, () -> K6.find(List.of("docker", "compose"), dir.toString()));
        assertSaysHowToGetOne(e);
        assertTrue(e.getMessage().contains("no k6 on PATH and no image pglab-k6"), e.getMessage());
    }

    @Test
    void aK6WithTheExtensionIsTakenEvenAfterAPlainOne() throws Exception {
        Path plain = Files.createDirectory(dir.resolve("plain"));
        executable(plain, "k6", PLAIN_K6);
        Path built = Files.createDirectory(dir.resolve("built"));
        Path fake = Path.of(K6Test.class.getResource("/k6/fake-k6").toURI());
        Path k6 = executable(built, "k6", Files.readString(fake));

        var lookup = K6.onPath(plain + File.pathSeparator + built);
        assertNotNull(lookup.k6());
        assertEquals("k6 v1.3.0 (go1.24.6, linux/amd64) at " + k6 + " with xk6-sql", lookup.k6().description());
        assertEquals(List.of(k6.toString(), "run", "x.js"), lookup.k6().command("unused", dir, List.of("run", "x.js")));
    }

    @Test
    void aK6ThatDoesNotRunIsReported() throws Exception {
        executable(dir, "k6", "#!/bin/sh\necho 'cannot execute binary file: Exec format error' >&2\nexit 126\n");
        var lookup = K6.onPath(dir.toString());
        assertNull(lookup.k6());
        assertTrue(lookup.rejected().contains("does not run"), lookup.rejected());
    }

    @Test
    void inComposeK6RunsAsAOneOffServiceContainerAndSeesTheMounts() throws Exception {
        Path root = dir;
        Path out = Files.createDirectories(root.resolve("out/lab02"));
        var k6 = K6.inCompose(List.of("docker", "compose", "-p", "pglab-lab02"));
        List<String> command = k6.command("pglab-k6-x-writes-1", out, List.of("run", k6.script(root)));
        String owner = Files.getAttribute(out, "unix:uid") + ":" + Files.getAttribute(out, "unix:gid");
        assertEquals(List.of("docker", "compose", "-p", "pglab-lab02", "--profile", "k6", "run", "--rm", "--no-deps", "-T",
                "--name", "pglab-k6-x-writes-1", "--user", owner, "k6", "run", "/scripts/pagila_read_write_test.js"), command);
        assertEquals("/out/lab02/k6-writes-1.json", k6.file(root, out.resolve("k6-writes-1.json")));
        assertThrows(IllegalArgumentException.class, () -> k6.file(root, dir.resolve("elsewhere.json")));
    }

    @Test
    void urlsPointWhereK6ReachesTheNode() throws Exception {
        executable(dir, "k6", Files.readString(Path.of(K6Test.class.getResource("/k6/fake-k6").toURI())));
        var node = new K6DriverTest.FakeNode("postgres-standby", 15433);
        var env = Env.get();
        String user = env.superuser() + ":" + env.superuserPassword();
        String query = "/" + env.database() + "?sslmode=disable&application_name=pglab-k6";
        assertEquals("postgres://" + user + "@127.0.0.1:15433" + query, K6.onPath(dir.toString()).k6().url(node));
        assertEquals("postgres://" + user + "@postgres-standby:5432" + query, K6.inCompose(List.of("docker", "compose")).url(node));
    }

    @Test
    void theImageIsBuiltWithTheExtensionsTheErrorMessageNames() throws Exception {
        String dockerfile = Files.readString(Path.of("k6/Dockerfile"));
        var built = java.util.regex.Pattern.compile("--with \"?([^\"@\\s]+)").matcher(dockerfile).results()
                .map(m -> m.group(1)).toList();
        assertEquals(List.of("github.com/grafana/xk6-sql", "github.com/grafana/xk6-sql-driver-postgres"), built);
        built.forEach(module -> assertTrue(K6.HOW_TO_GET.contains("--with " + module), module));
        // the runtime stage is the official k6 image with the extended binary in its place
        assertTrue(dockerfile.contains("FROM ${K6_IMAGE}\nCOPY --from=build /xk6/k6 /usr/bin/k6"), dockerfile);
    }
}
