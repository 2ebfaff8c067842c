package labkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import labkit.cluster.Env;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repo's ./jbang wrapper, run as a student runs it: without an installed JBang it fetches the
 * JBang CLI jar from Maven Central (once per test class, into a fresh cache) and runs scripts on a
 * JDK 21+, keeping arguments, stdin and exit codes intact.
 */
class JbangWrapperTest {
    private static final Path ROOT = Env.get().root();
    private static final Path WRAPPER = ROOT.resolve("jbang");
    private static final String JBANG_VERSION = "0.132.1";
    private static final String HELLO = """
            //DEPS info.picocli:picocli:4.7.7
            import picocli.CommandLine;
            class hello {
                public static void main(String... args) throws Exception {
                    System.out.println("java " + Runtime.version().feature() + " picocli " + CommandLine.VERSION);
                    for (String a : args) System.out.println("arg[" + a + "]");
                    if (args.length > 0 && args[0].equals("stdin")) System.out.println("stdin[" + new String(System.in.readAllBytes()).strip() + "]");
                    System.exit(3);
                }
            }
            """;

    /** A cache the first run fills: every other test reuses the jar downloaded there. */
    private static Path cache;
    private static Run firstRun;

    @TempDir Path tmp;

    record Run(int exit, String out, String err) {
        List<String> outLines() { return out.lines().toList(); }
        /** JBang prints some answers (--version) on stderr, scripts print on stdout: either will do. */
        boolean printed(String line) { return (out + err).lines().anyMatch(line::equals); }
        String transcript() { return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err; }
    }

    @BeforeAll
    static void fetchJBangIntoAnEmptyCache() throws Exception {
        cache = Files.createTempDirectory("pglab-wrapper-cache");
        firstRun = wrapper(ROOT, env(cache), null, "--version");
    }

    @AfterAll
    static void dropTheCache() throws IOException {
        try (Stream<Path> all = Files.walk(cache)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void withoutAnInstalledJBangTheJarIsFetchedCheckedAndRun() throws Exception {
        assertEquals(0, firstRun.exit(), firstRun.transcript());
        assertTrue(firstRun.printed(JBANG_VERSION), firstRun.transcript());
        assertTrue(firstRun.err().contains("[pglab] downloading JBang " + JBANG_VERSION), firstRun.transcript());
        assertEquals(List.of("jbang-cli-" + JBANG_VERSION + "-all.jar"), names(cache.resolve("jbang")), "no *.part left");

        Run again = wrapper(ROOT, env(cache), null, "--version");
        assertTrue(again.printed(JBANG_VERSION), again.transcript());
        assertFalse(again.err().contains("downloading"), "the cached jar is reused: " + again.transcript());
    }

    @Test
    void runsAScriptWithDepsOnAJdk21KeepingArgumentsAndExitCode() throws Exception {
        Files.writeString(tmp.resolve("hello.java"), HELLO);
        Run run = wrapper(tmp, env(cache), null, "hello.java", "a b", "it's", "$HOME", "*");
        assertEquals(3, run.exit(), run.transcript());
        assertEquals(List.of("arg[a b]", "arg[it's]", "arg[$HOME]", "arg[*]"), run.outLines().subList(1, 5), run.transcript());
        assertTrue(javaFeature(run) >= 21, run.transcript());
        assertTrue(run.outLines().get(0).endsWith(" picocli 4.7.7"), run.transcript());
    }

    @Test
    void stdinReachesTheScript() throws Exception {
        Files.writeString(tmp.resolve("hello.java"), HELLO);
        Run run = wrapper(tmp, env(cache), "typed by a student\n", "hello.java", "stdin");
        assertTrue(run.outLines().contains("stdin[typed by a student]"), run.transcript());
    }

    @Test
    void anOlderJavaHomeAndJavaOnPathAreSkippedForAJdk21() throws Exception {
        Path old = olderJdk().orElse(null);
        assumeTrue(old != null, "no JDK older than 21 in /usr/lib/jvm to check that the wrapper passes it over");
        Files.writeString(tmp.resolve("hello.java"), HELLO);
        var env = env(cache);
        env.put("JAVA_HOME", old.toString());
        env.put("PATH", old.resolve("bin") + File.pathSeparator + env.get("PATH"));
        Run run = wrapper(tmp, env, null, "hello.java");
        assertEquals(3, run.exit(), run.transcript());
        assertTrue(javaFeature(run) >= 21, "JAVA_HOME was " + old + ": " + run.transcript());
    }

    @Test
    void anInstalledJBangIsRunWithTheJdkItFound() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fake = bin.resolve("jbang");
        Files.writeString(fake, "#!/bin/sh\necho \"JAVA_HOME=$JAVA_HOME\"\nfor a in \"$@\"; do echo \"arg[$a]\"; done\nexit 7\n");
        assertTrue(fake.toFile().setExecutable(true));
        Path emptyCache = tmp.resolve("cache");
        var env = env(emptyCache);
        env.put("PATH", bin + File.pathSeparator + env.get("PATH"));

        Run run = wrapper(tmp, env, null, "lab01", "--yes", "a b");
        assertEquals(7, run.exit(), run.transcript());
        Path javaHome = Path.of(run.outLines().get(0).substring("JAVA_HOME=".length()));
        assertTrue(jdkFeature(javaHome) >= 21, run.transcript());
        assertEquals(List.of("arg[lab01]", "arg[--yes]", "arg[a b]"), run.outLines().subList(1, 4), run.transcript());
        assertFalse(Files.exists(emptyCache), "an installed JBang needs no download");
    }

    @Test
    void withoutCurlOrWgetTheErrorIsOneLine() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String dir : cleanPath().split(File.pathSeparator)) {
            for (Path tool : names(Path.of(dir)).stream().map(n -> Path.of(dir, n)).toList()) {
                String name = tool.getFileName().toString();
                if (!List.of("curl", "wget", "jbang").contains(name) && Files.isExecutable(tool) && !Files.exists(bin.resolve(name))) {
                    Files.createSymbolicLink(bin.resolve(name), tool);
                }
            }
        }
        var env = env(tmp.resolve("cache"));
        env.put("PATH", bin.toString());
        Run run = wrapper(tmp, env, null, "--version");
        assertEquals(1, run.exit(), run.transcript());
        assertEquals("", run.out());
        assertEquals("[pglab] cannot download JBang: neither curl nor wget is installed (install one, or install JBang)",
                run.err().strip().lines().reduce((a, b) -> b).orElse(""), run.transcript());
        assertEquals(List.of(), names(tmp.resolve("cache/jbang")));
    }

    @Test
    void aFailedDownloadIsOneLineAndLeavesNothing() throws Exception {
        int port;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        var env = env(tmp.resolve("cache"));
        env.put("PGLAB_MAVEN_REPO", "http://127.0.0.1:" + port);
        Run run = wrapper(tmp, env, null, "--version");
        assertEquals(1, run.exit(), run.transcript());
        String last = run.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("[pglab] downloading http://127.0.0.1:" + port + "/dev/jbang/jbang-cli/" + JBANG_VERSION
                + "/jbang-cli-" + JBANG_VERSION + "-all.jar failed ("), run.transcript());
        assertTrue(last.endsWith("): check the network or proxy, or install JBang"), run.transcript());
        assertEquals(List.of(), names(tmp.resolve("cache/jbang")));
    }

    @Test
    void aJarThatDoesNotMatchItsPublishedSha1IsRefused() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String jarPath = "/dev/jbang/jbang-cli/" + JBANG_VERSION + "/jbang-cli-" + JBANG_VERSION + "-all.jar";
        Map<String, String> files = Map.of(jarPath, "not really a jar", jarPath + ".sha1", "0123456789abcdef0123456789abcdef01234567");
        server.createContext("/", exchange -> {
            byte[] body = files.getOrDefault(exchange.getRequestURI().getPath(), "").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(body.length == 0 ? 404 : 200, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            var env = env(tmp.resolve("cache"));
            env.put("PGLAB_MAVEN_REPO", "http://127.0.0.1:" + server.getAddress().getPort());
            Run run = wrapper(tmp, env, null, "--version");
            assertEquals(1, run.exit(), run.transcript());
            assertTrue(run.err().contains("[pglab] the downloaded JBang jar does not match its published SHA-1 ("), run.transcript());
            assertTrue(run.err().contains(", expected 0123456789abcdef0123456789abcdef01234567): run ./jbang again"), run.transcript());
            assertEquals(List.of(), names(tmp.resolve("cache/jbang")));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theCatalogNamesEachLabWithADescription() throws Exception {
        JsonNode aliases = new ObjectMapper().readTree(ROOT.resolve("jbang-catalog.json").toFile()).path("aliases");
        var expected = Map.of("lab01", "lab01-basebackup.java", "lab02", "lab02-async.java",
                "lab03", "lab03-sync.java", "lab04", "lab04-ha.java", "lab05", "lab05-mechanisms.java",
                "lab06", "lab06-consistency.java", "lab07", "lab07-autofailover.java");
        var names = new java.util.HashSet<>(expected.keySet());
        names.add("playground");
        assertEquals(names, iterableToSet(aliases.fieldNames()));
        // the playground is a notebook: JBang must leave JShell at its prompt after the script
        assertEquals("playground.jsh", aliases.path("playground").path("script-ref").asText());
        assertTrue(aliases.path("playground").path("interactive").asBoolean(), aliases.toString());
        expected.forEach((alias, file) -> {
            assertEquals(file, aliases.path(alias).path("script-ref").asText(), alias);
            String description = aliases.path(alias).path("description").asText();
            assertTrue(description.startsWith("Module " + alias.charAt(4) + " - "), alias + ": " + description);
            assertFalse(description.contains("\n"), "one line: " + description);
        });

        // JBang itself reads it: `jbang alias list` in the repo shows the labs and their descriptions
        Run run = wrapper(ROOT, env(cache), null, "alias", "list");
        assertEquals(0, run.exit(), run.transcript());
        expected.forEach((alias, file) -> {
            assertTrue(run.outLines().contains(alias), alias + " missing: " + run.transcript());
            assertTrue(run.out().contains(aliases.path(alias).path("description").asText()), run.transcript());
            assertTrue(run.out().contains(ROOT.resolve(file).toString()), run.transcript());
        });
    }

    @Test
    void lab01AliasRunsTheLab() throws Exception {
        assumeTrue(Files.exists(ROOT.resolve("lab01-basebackup.java")), "lab01-basebackup.java is not written yet");
        Run run = wrapper(ROOT, env(cache), null, "lab01", "--help");
        assertEquals(0, run.exit(), run.transcript());
        assertTrue(run.out().contains("--yes"), run.transcript());
    }

    // --- helpers -------------------------------------------------------------------------------

    private static Run wrapper(Path dir, Map<String, String> env, String stdin, String... args) throws Exception {
        var cmd = new ArrayList<String>();
        cmd.add(WRAPPER.toString());
        cmd.addAll(List.of(args));
        var pb = new ProcessBuilder(cmd).directory(dir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        var out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("./jbang " + String.join(" ", args) + " did not finish in 5 minutes");
        }
        return new Run(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** This process's environment, with a PATH that has no jbang, no JAVA_HOME, and the given cache. */
    private static Map<String, String> env(Path pglabCache) {
        var env = new HashMap<>(System.getenv());
        env.remove("JAVA_HOME");
        env.remove("PGLAB_MAVEN_REPO");
        env.put("PATH", cleanPath());
        env.put("PGLAB_CACHE", pglabCache.toString());
        return env;
    }

    private static String cleanPath() {
        return Stream.of(System.getenv("PATH").split(File.pathSeparator))
                .filter(d -> !d.isEmpty() && !Files.isExecutable(Path.of(d, "jbang")))
                .reduce((a, b) -> a + File.pathSeparator + b).orElse("/usr/bin:/bin");
    }

    private static int javaFeature(Run run) {
        String first = run.outLines().isEmpty() ? "" : run.outLines().get(0);
        assertTrue(first.matches("java \\d+ picocli .*"), run.transcript());
        return Integer.parseInt(first.split(" ")[1]);
    }

    /** The feature version a JDK folder's release file declares (0 when it has none). */
    private static int jdkFeature(Path home) throws IOException {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release) || !Files.isExecutable(home.resolve("bin/javac"))) {
            return 0;
        }
        for (String line : Files.readAllLines(release)) {
            if (line.startsWith("JAVA_VERSION=")) {
                String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                v = v.startsWith("1.") ? v.substring(2) : v;
                return Integer.parseInt(v.split("[^0-9]")[0]);
            }
        }
        return 0;
    }

    private static Optional<Path> olderJdk() throws IOException {
        for (String name : names(Path.of("/usr/lib/jvm"))) {
            Path home = Path.of("/usr/lib/jvm", name);
            int feature = jdkFeature(home);
            if (feature > 0 && feature < 21) {
                return Optional.of(home);
            }
        }
        return Optional.empty();
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static java.util.Set<String> iterableToSet(java.util.Iterator<String> names) {
        var set = new java.util.HashSet<String>();
        names.forEachRemaining(set::add);
        return set;
    }
}
