package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import labkit.testing.LabProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bench/sigint-teardown's rule that a moment counts from the lab's first step line, never from
 * what comes before it (JBang resolving and building, the JVM starting): run against a stand-in
 * lab (PGLAB_SIGINT_LAUNCHER), a shell script that prints [jbang] lines for a while and then a
 * step line, and says on SIGINT how long after its step line the signal came. Seconds, no servers.
 */
class SigintHarnessTest {
    private static final Pattern MOMENT = Pattern.compile("SIGINT at: (\\d+) ms after its first step line");
    private static final Pattern GAP = Pattern.compile("signal (-?\\d+) ms after the step line");

    @TempDir Path dir;

    /**
     * The stand-in: "build" succeeds at once; a run prints [jbang] lines for {@code beforeStep}
     * seconds, the lab's title, then (unless {@code stepLine} is false: it exits 1 instead, as a
     * failed first build would) a step line, and waits; SIGINT before the step line leaves the
     * teardown unsaid (the harness's last-line check fails), after it the stand-in writes how long
     * after the step line it came into gap.txt and ends as a lab's teardown does.
     */
    private Path standIn(double beforeStep, boolean stepLine) throws Exception {
        Path script = dir.resolve("stand-in");
        Files.writeString(script, """
                #!/bin/sh
                [ "$1" = build ] && exit 0
                trap 'echo "signal before the step line"; exit 130' INT
                echo "[jbang] Resolving dependencies..."
                sleep %s
                echo "[jbang] Building jar for $1..."
                echo "Module 1: A Stand-in"
                %s
                stepped=$(date +%%s%%3N)
                trap 'echo "signal $(( $(date +%%s%%3N) - stepped )) ms after the step line" > "%s"; kill $sleeper; \
                echo "### Tearing down the cluster (local)"; \
                echo "interrupted: the lab stopped and removed everything it had started"; exit 130' INT
                echo "1.1  A Step"
                sleep 60 & sleeper=$!
                wait $sleeper
                """.formatted(beforeStep, stepLine ? "" : "exit 1", dir.resolve("gap.txt")));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private String harness(Path launcher) throws Exception {
        int port;
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = Math.min(s.getLocalPort(), 65000); // the harness looks at 32 ports from it
        }
        var builder = new ProcessBuilder(List.of("bench/sigint-teardown", "1", "3", String.valueOf(port), "local", "lab01"))
                .directory(LabProcess.ROOT.toFile()).redirectErrorStream(true);
        builder.environment().put("PGLAB_SIGINT_LAUNCHER", launcher.toString());
        // the stand-in starts nothing: labs that others run on this machine meanwhile are none of its leftovers
        builder.environment().put("SIGINT_WORK_ROOT", dir.toString());
        builder.environment().remove("PGLAB_E2E_LOCK");
        var bench = builder.start();
        String output = new String(bench.getInputStream().readAllBytes());
        assertTrue(bench.waitFor(60, TimeUnit.SECONDS), output);
        output += "(exit " + bench.exitValue() + ")";
        System.out.println(output);
        return output;
    }

    @Test
    void theMomentCountsFromTheFirstStepLineNotFromTheBuild() throws Exception {
        // 4 s of [jbang] lines: longer than the seeded moment, which would land in them if counted from the first line
        String output = harness(standIn(4, true));
        var moment = MOMENT.matcher(output);
        assertTrue(moment.find(), output);
        int ms = Integer.parseInt(moment.group(1));
        assertTrue(ms < 4000, "the seeded moment is to fall within the stand-in's [jbang] lines: " + output);
        var gap = GAP.matcher(Files.readString(dir.resolve("gap.txt")));
        assertTrue(gap.find(), output);
        int after = Integer.parseInt(gap.group(1));
        assertTrue(after >= ms && after < ms + 1000, "SIGINT " + after + " ms after the step line, for a moment of " + ms + " ms: " + output);
        assertTrue(output.contains("total: passed 1/1 moments (1 interrupted a running lab"), output);
        assertTrue(output.endsWith("(exit 0)"), output);
    }

    @Test
    void aRunWithoutAStepLineIsNeverCountedAsARunningLab() throws Exception {
        String output = harness(standIn(0.5, false));
        assertTrue(output.contains("before its first step line, not interrupted"), output);
        assertTrue(output.contains("total: passed 0/1 moments (0 interrupted a running lab"), output);
        assertTrue(output.endsWith("(exit 1)"), output);
        assertEquals(false, Files.exists(dir.resolve("gap.txt")), output);
    }
}
