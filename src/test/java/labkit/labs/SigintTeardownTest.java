package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import labkit.cluster.DockerTestImage;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl+C at a random moment (bench/sigint-teardown): the lab exits non-zero quickly, prints
 * nothing after the teardown begins, ends with the interrupted line and leaves no process, port or
 * work dir 3 s later (on Docker: no container, volume or network of its project). The bench runs
 * many moments per lab by hand; here one seeded moment of every lab on each runtime (seed 3, after
 * the lab's first step line: lab01 3.8 s, lab02 6.6 s, lab03 9.6 s, lab04 7.2 s, lab05 23.8 s,
 * lab06 11.7 s, lab07 11.2 s), so that CI stays in its time budget. The local runs get the
 * signal as a terminal sends it, to the lab's whole process group (its tools too); the Docker runs
 * to the JVM alone, the bench's other way.
 *
 * <p>How quickly: lab02 and lab04 locally within 2 s (issue 15's bar, 40/40 on a quiet machine).
 * The other labs within 6 s: on this project's 2-core machine 12 of 45 harness moments took 2.0-5.5
 * s (removing a work dir while starved of CPU, lab05's tools, {@code compose down -v} on Docker), a
 * known defect still open, so the every-lab runs check what must never fail (nothing left, the
 * interrupted line last, nothing printed after the teardown) and a looser exit time.
 */
class SigintTeardownTest {
    private static final Pattern TOTAL = Pattern.compile("total: passed (\\d+)/(\\d+) moments \\((\\d+) interrupted a running lab");
    private static final String EVERY_LAB = "lab01 lab02 lab03 lab04 lab05 lab06 lab07";

    @TempDir Path cache;

    /** What an exit within 2 s is checked on; the rest of the labs get {@link #SLOW_EXIT_MS}. */
    private static final String QUICK_LABS = "lab02 lab04";
    private static final String SLOW_EXIT_MS = "6000";

    @Test
    void ctrlCAtASeededMomentOfLab02AndLab04ExitsWithinTwoSeconds() throws Exception {
        assertEveryMomentPassed(bench(Map.of("SIGINT_TO", "group"), "local", QUICK_LABS), 2);
    }

    @Test
    void ctrlCAtASeededMomentOfEveryOtherLabLocal() throws Exception {
        assertEveryMomentPassed(bench(Map.of("SIGINT_TO", "group", "SIGINT_EXIT_LIMIT_MS", SLOW_EXIT_MS), "local",
                "lab01 lab03 lab05 lab06 lab07"), 5);
    }

    @Test
    void ctrlCAtASeededMomentOfEveryLabOnDocker() throws Exception {
        DockerTestImage image = DockerTestImage.CURRENT;
        image.assumeReady();
        DockerTestImage.MECHANISMS.assumeReady();
        DockerTestImage.MECHANISMS_NEWER.assumeReady();
        DockerTestImage.OLD.assumeReady();
        var env = new HashMap<>(Map.of("PGLAB_IMAGE", image.repository(), "PG_MAJOR", image.major(),
                "SIGINT_EXIT_LIMIT_MS", SLOW_EXIT_MS));
        // lab05's leader and Bucardo run on the mechanisms images (as in Lab05DockerTest), lab07's members
        // on the Patroni test image built on the oldest test image (as in Lab07DockerTest)
        env.put("SIGINT_LAB05_ENV", "PGLAB_IMAGE=" + DockerTestImage.MECHANISMS.repository());
        env.put("SIGINT_LAB05_OPTIONS", "--pg-version " + DockerTestImage.MECHANISMS.major()
                + " --newer-version " + DockerTestImage.MECHANISMS_NEWER.major());
        env.put("SIGINT_LAB07_ENV", "PGLAB_PATRONI_IMAGE=pglab/patroni-test PGLAB_ETCD_IMAGE=pglab/patroni-test:"
                + DockerTestImage.OLD.major());
        env.put("SIGINT_LAB07_OPTIONS", "--pg-version " + DockerTestImage.OLD.major());
        assertEveryMomentPassed(bench(env, "docker", EVERY_LAB), 7);
    }

    /**
     * Ctrl+C while ./jbang builds a lab for the first time (a JBang cache of its own, empty): it
     * exits non-zero within 2 s, and the next run builds the lab again and works (its --help).
     */
    @Test
    void ctrlCDuringTheFirstBuildStopsAtOnceAndTheNextRunBuildsAgain() throws Exception {
        Path log = cache.resolve("first.log");
        var first = jbang(log, "lab01-basebackup.java", "--help");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.readString(log).contains("[jbang] Building jar for lab01-basebackup.java")) {
            assertTrue(first.isAlive(), "./jbang ended before it built anything: " + Files.readString(log));
            assertTrue(System.nanoTime() < deadline, "no build began in 120 s: " + Files.readString(log));
            Thread.sleep(20);
        }
        Thread.sleep(300); // in the compiler
        // as a terminal's Ctrl+C: to the whole process group (setsid gave the wrapper one)
        var sigint = new ProcessBuilder("kill", "-INT", "--", "-" + first.pid()).inheritIO().start();
        assertEquals(0, sigint.waitFor(), "kill -INT");
        long sent = System.nanoTime();
        assertTrue(first.waitFor(2, TimeUnit.SECONDS), "./jbang still ran 2 s after the Ctrl+C: " + Files.readString(log));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
        assertNotEquals(0, first.exitValue(), Files.readString(log));
        System.out.println("Ctrl+C during the first build: exit " + first.exitValue() + " in " + ms + " ms");

        Path again = cache.resolve("again.log");
        var second = jbang(again, "lab01-basebackup.java", "--help");
        assertTrue(second.waitFor(180, TimeUnit.SECONDS), Files.readString(again));
        String out = Files.readString(again);
        assertEquals(0, second.exitValue(), out);
        assertTrue(out.contains("[jbang] Building jar for lab01-basebackup.java"), "the interrupted build is built again: " + out);
        assertTrue(out.contains("--runtime"), "lab01's usage: " + out);
    }

    /** ./jbang in a process group of its own, with JBang's cache in {@link #cache}, its output into {@code log}. */
    private Process jbang(Path log, String... args) throws Exception {
        var command = new java.util.ArrayList<>(List.of("setsid", "env", "--default-signal=INT",
                "JBANG_CACHE_DIR=" + cache.resolve("jbang"), LabProcess.ROOT.resolve("jbang").toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(LabProcess.ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    private static String bench(Map<String, String> env, String runtime, String labs) throws Exception {
        int port;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort() < 65000 ? s.getLocalPort() : 40000;
        }
        var builder = new ProcessBuilder(List.of("bench/sigint-teardown", "1", "3", String.valueOf(port), runtime, labs))
                .directory(LabProcess.ROOT.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        // the lock is the caller's (flock … ./run-tests): the bench taking it per run would wait for it forever
        builder.environment().remove("PGLAB_E2E_LOCK");
        var bench = builder.start();
        String output = new String(bench.getInputStream().readAllBytes());
        assertTrue(bench.waitFor(20, TimeUnit.MINUTES), output);
        System.out.println(output);
        assertEquals(0, bench.exitValue(), output);
        return output;
    }

    private static void assertEveryMomentPassed(String output, int moments) {
        var total = TOTAL.matcher(output);
        assertTrue(total.find(), output);
        assertEquals(moments, Integer.parseInt(total.group(2)), output);
        assertEquals(moments, Integer.parseInt(total.group(3)), "every moment was to find the lab running: " + output);
        assertEquals(total.group(2), total.group(1), output);
    }
}
