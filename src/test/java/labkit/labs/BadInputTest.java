package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each class of bad input is refused before anything starts: exit 2 within 3 s (or, on a busy
 * machine, within the time the lab's --help takes plus a second), one line on stderr that names
 * the option, and nothing on stdout: no title, so no cluster, server or out folder.
 */
class BadInputTest {
    private static final List<String> LABS = List.of("lab01-basebackup.java", "lab02-async.java", "lab03-sync.java",
            "lab04-ha.java", "lab05-mechanisms.java", "lab06-consistency.java", "lab07-autofailover.java");
    /** How long each lab's --help takes here, once JBang has built it: the time to start a lab's JVM at all. */
    private static final java.util.Map<String, Double> HELP_SECONDS = new java.util.HashMap<>();

    @TempDir Path tmp;

    @BeforeAll
    static void timeTheHelpScreens() throws Exception {
        for (String script : LABS) {
            lab(script, "--help"); // JBang builds the lab first, once
            HELP_SECONDS.put(script, lab(script, "--help").seconds);
        }
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("lab02-async.java", List.of("--rate", "-5"), "--rate -5: must be 1 to 20000 per second"),
                // no write would arrive in the lab's phases (it used to be taken, and the lab then hung)
                Arguments.of("lab02-async.java", List.of("--rate", "0.0001"), "--rate 0.0001: must be 1 to 20000 per second ("
                        + "the lab counts them per second"),
                Arguments.of("lab02-async.java", List.of("--read-rate", "0.5"), "--read-rate 0.5: must be 0 (no reads) or 1 to"),
                Arguments.of("lab01-basebackup.java", List.of("--scale", "101"), "101 would load about 414 MB on each node"),
                Arguments.of("lab02-async.java", List.of("--jitter", "1h"), "--jitter 1h: must be at most the --link-delay (25ms)"),
                Arguments.of("lab06-consistency.java", List.of("--jitter", "1h"), "--jitter 1h: must be at most the --link-delay"),
                Arguments.of("lab02-async.java", List.of("--link-delay", "0ms", "--jitter", "1ms"),
                        "--jitter 1ms: must be at most the --link-delay (0ms)"),
                // a 0 ms link has no jitter: --link-delay 0ms alone passes, and the lab's own check (after it) speaks
                Arguments.of("lab02-async.java", List.of("--link-delay", "0ms", "--run-for", "1s"), "--run-for 1s: must be 3s"),
                Arguments.of("lab06-consistency.java", List.of("--link-delay", "0ms", "--clients", "0"), "--clients 0: must be"),
                Arguments.of("lab03-sync.java", List.of("--users", "0"), "--users 0: must be 1 to"),
                Arguments.of("lab01-basebackup.java", List.of("--scale", "0"), "--scale 0: must be 1 to"),
                Arguments.of("lab01-basebackup.java", List.of("--scale", "1000000"), "1000000 would load about"),
                Arguments.of("lab01-basebackup.java", List.of("--port", "99999"), "--port 99999: must be 1024 to 65534"),
                Arguments.of("lab01-basebackup.java", List.of("--port", "65535"), "--port 65535: must be 1024 to 65534"),
                Arguments.of("lab01-basebackup.java", List.of("--port", "80"), "--port 80: must be 1024 to"),
                Arguments.of("lab06-consistency.java", List.of("--port", "65532"), "must be 1024 to 65531"),
                Arguments.of("lab07-autofailover.java", List.of("--port", "65510"), "must be 1024 to 65504 (this lab uses 32 ports"),
                Arguments.of("lab07-autofailover.java", List.of("--ttl", "3"), "--ttl 3: must be at least --loop-wait + 2"),
                Arguments.of("lab01-basebackup.java", List.of("--pg-bin", "/nonexistent/bin"), "--pg-bin /nonexistent/bin"),
                Arguments.of("lab01-basebackup.java", List.of("--runtime", "cloud"), "--runtime cloud: must be auto"),
                Arguments.of("lab02-async.java", List.of("--run-for", "0s"), "--run-for"),
                Arguments.of("lab03-sync.java", List.of("--phase", "0s"), "--phase"),
                Arguments.of("lab03-sync.java", List.of("--phase", "5s", "--rate", "10"), "long enough for 200 writes"),
                Arguments.of("lab04-ha.java", List.of("--outage", "0s"), "--outage"),
                Arguments.of("lab05-mechanisms.java", List.of("--rate", "0"), "--rate 0: must be 1 to 20000 per second"),
                Arguments.of("lab05-mechanisms.java", List.of("--phase", "1s"), "--phase 1s: must be 3s to 10m"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("badInputs")
    void isRefusedBeforeAnythingStarts(String script, List<String> args, String expected) throws Exception {
        Path out = tmp.resolve("out");
        var all = new ArrayList<>(List.of("--yes", "--out", out.toString()));
        if (!args.contains("--runtime")) {
            all.addAll(List.of("--runtime", "local"));
        }
        all.addAll(args);
        assertRefused(script, lab(script, all.toArray(String[]::new)), expected);
        assertFalse(Files.exists(out), "the refused run created its out folder");
    }

    @Test
    void aPortInUseIsRefused() throws Exception {
        try (var held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = held.getLocalPort() - 1; // the primary's port may be free; the standby's (port + 1) is not
            var run = lab("lab01-basebackup.java", "--yes", "--runtime", "local", "--out", tmp.resolve("out").toString(),
                    "--port", String.valueOf(port));
            assertRefused("lab01-basebackup.java", run, "port " + (port + 1) + " on 127.0.0.1 is in use");
        }
    }

    /** PG_MAJOR sets the default of --pg-version: a bad one is named as the variable it is, and refused like an option. */
    @Test
    void aBadPgMajorInTheEnvironmentIsNamed() throws Exception {
        var run = lab(java.util.Map.of("PG_MAJOR", "abc"), "lab01-basebackup.java", "--yes", "--runtime", "local", "--out",
                tmp.resolve("out").toString());
        assertRefused("lab01-basebackup.java", run, "PG_MAJOR abc: must be a PostgreSQL major like 17 or 18 (PG_MAJOR is set "
                + "in the environment");
    }

    /**
     * An --out on a disk without room for the results is refused before the run, saying how much
     * it needs and how much there is: a tmpfs of 2.1 MB, room for what every run writes (2 MB) but
     * not for lab02's writes.csv besides (mounting needs root; CI runs as root).
     */
    @Test
    void anOutFolderWithoutRoomIsRefused() throws Exception {
        boolean root = "root".equals(System.getProperty("user.name"));
        String reason = "mounting a small tmpfs needs root";
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(root, reason + ": CI runs the tests as root");
        } else {
            org.junit.jupiter.api.Assumptions.assumeTrue(root, reason);
        }
        Path small = Files.createDirectories(tmp.resolve("small"));
        mount("mount", "-t", "tmpfs", "-o", "size=2200k", "tmpfs", small.toString());
        try {
            var run = lab("lab02-async.java", "--yes", "--runtime", "local", "--out", small.resolve("out").toString());
            assertRefused("lab02-async.java", run, "--out " + small.resolve("out") + ": needs about 2.3 MB free for the "
                    + "run's results (charts, report.md, logs, and writes.csv: about 3,600 writes), and " + small + " has 2.1 MB");
            assertFalse(Files.exists(small.resolve("out")), "the refused run created its out folder");
        } finally {
            mount("umount", small.toString());
        }
    }

    private static void mount(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + output);
    }

    /**
     * A run's folder holds that run only: a run that fails (here on a --pg-bin with a postgres and
     * nothing else, found once it has started) leaves its report.md, and none of the results an
     * earlier run left in the folder the kit made.
     */
    @Test
    void aFailedRunLeavesNoEarlierResultsBesideItsReport() throws Exception {
        Path out = tmp.resolve("out");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(bin.resolve("postgres"), "#!/bin/sh\nexit 1\n");
        bin.resolve("postgres").toFile().setExecutable(true);
        var earlier = lab("lab01-basebackup.java", "--yes", "--runtime", "local", "--out", out.toString(), "--pg-bin", bin.toString());
        assertEquals(1, earlier.exit, earlier.transcript());
        // what an earlier, successful run leaves, as the kit names it
        for (String file : List.of("summary.json", "per-second.csv", "lag.png", "logs/postgres-primary.log")) {
            Files.createDirectories(out.resolve(file).getParent());
            Files.writeString(out.resolve(file), "from the earlier run");
        }
        Files.writeString(out.resolve("notes.txt"), "the user's");
        var failed = lab("lab01-basebackup.java", "--yes", "--runtime", "local", "--out", out.toString(), "--pg-bin", bin.toString());
        assertEquals(1, failed.exit, failed.transcript());
        // the four above, and the earlier run's own report.md
        assertTrue(failed.stdout.contains("Removed what an earlier run left in " + out + " (5 files"), failed.transcript());
        try (var left = Files.list(out)) {
            assertEquals(List.of(".pglab-made", ".pglab-run.lock", "notes.txt", "report.md"),
                    left.map(p -> p.getFileName().toString()).sorted().toList(), failed.transcript());
        }
        assertTrue(Files.readString(out.resolve("report.md")).contains("has no postgres/initdb/pg_ctl"));
    }

    @Test
    void anOutFolderThatCannotBeCreatedSaysWhy() throws Exception {
        assertRefused("lab01-basebackup.java", lab("lab01-basebackup.java", "--yes", "--runtime", "local", "--out", "/proc/nope"),
                "--out /proc/nope: cannot be created, /proc is the kernel's proc file system");
        Path file = Files.writeString(tmp.resolve("a-file"), "");
        assertRefused("lab01-basebackup.java", lab("lab01-basebackup.java", "--yes", "--runtime", "local", "--out",
                        file.resolve("out").toString()),
                "is a file, not a folder");
    }

    private static void assertRefused(String script, Run run, String expected) {
        assertEquals(2, run.exit, run.transcript());
        List<String> errors = run.stderr.lines().filter(l -> !l.startsWith("[jbang]") && !l.isBlank()).toList();
        assertEquals(1, errors.size(), run.transcript());
        assertTrue(errors.get(0).startsWith("error: ") && errors.get(0).contains(expected), run.transcript());
        assertEquals("", run.stdout.strip(), "the lab started: " + run.transcript());
        double help = HELP_SECONDS.get(script);
        assertTrue(run.seconds < Math.max(3, help + 1), "refused after " + run.seconds + " s (--help: " + help + " s)");
    }

    record Run(int exit, String stdout, String stderr, double seconds) {
        String transcript() {
            return "exit " + exit + " after " + seconds + " s\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private static Run lab(String script, String... args) throws Exception {
        return lab(java.util.Map.of(), script, args);
    }

    private static Run lab(java.util.Map<String, String> env, String script, String... args) throws Exception {
        var cmd = new ArrayList<>(List.of(LabProcess.ROOT.resolve("jbang").toString(), script));
        cmd.addAll(List.of(args));
        Path stdout = Files.createTempFile("bad-input", ".out");
        Path stderr = Files.createTempFile("bad-input", ".err");
        long start = System.nanoTime();
        var builder = new ProcessBuilder(cmd).directory(LabProcess.ROOT.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), script + " " + args + " did not end");
        var run = new Run(p.exitValue(), Files.readString(stdout), Files.readString(stderr), (System.nanoTime() - start) / 1e9);
        Files.delete(stdout);
        Files.delete(stderr);
        return run;
    }
}
