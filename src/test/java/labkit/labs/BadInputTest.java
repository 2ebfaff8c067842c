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
                Arguments.of("lab02-async.java", List.of("--rate", "-5"), "--rate -5: must be more than 0"),
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
                Arguments.of("lab05-mechanisms.java", List.of("--rate", "0"), "--rate 0: must be more than 0"),
                Arguments.of("lab05-mechanisms.java", List.of("--phase", "1s"), "--phase 1000ms: must be 3s to 10m"));
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
        var cmd = new ArrayList<>(List.of(LabProcess.ROOT.resolve("jbang").toString(), script));
        cmd.addAll(List.of(args));
        Path stdout = Files.createTempFile("bad-input", ".out");
        Path stderr = Files.createTempFile("bad-input", ".err");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).directory(LabProcess.ROOT.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), script + " " + args + " did not end");
        var run = new Run(p.exitValue(), Files.readString(stdout), Files.readString(stderr), (System.nanoTime() - start) / 1e9);
        Files.delete(stdout);
        Files.delete(stderr);
        return run;
    }
}
