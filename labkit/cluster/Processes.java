package labkit.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs a command to completion, collecting its output; a failure becomes one clear LabException. */
public final class Processes {
    /** A program ended by SIGINT: 128 + 2. */
    private static final int SIGINT_EXIT = 130;
    /** How long a program that SIGINT ended waits for the JVM's shutdown hook to start: it does so within milliseconds. */
    private static final Duration HOOK_START = Duration.ofSeconds(1);

    private Processes() {}

    public static String run(List<String> command, Map<String, String> env, Duration timeout) {
        return run(command, env, timeout, line -> {});
    }

    /** Like {@link #run(List, Map, Duration)}, handing each output line (or \r-separated progress piece) to {@code lines}. */
    public static String run(List<String> command, Map<String, String> env, Duration timeout, Consumer<String> lines) {
        var pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new LabException("cannot run " + command.get(0) + ": " + e.getMessage());
        }
        var output = new StringBuilder();
        var reader = Thread.ofVirtual().start(() -> readPieces(p, output, lines));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                destroyWithDescendants(p);
                throw new LabException(String.join(" ", command) + " did not finish within " + timeout.toSeconds() + " s");
            }
            reader.join();
        } catch (InterruptedException e) {
            destroyWithDescendants(p);
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while running " + command.get(0));
        }
        if (p.exitValue() == SIGINT_EXIT) {
            // In a terminal, Ctrl+C reaches the tool and the JVM together: the tool's end is the
            // signal's, and so is the teardown, which the JVM's shutdown hook does once it starts
            // (a teardown begun here first would have to run to its end, without the hook's shortcuts)
            Cluster.awaitInterrupt(HOOK_START);
        }
        if (p.exitValue() != 0) {
            throw new LabException(describe(command) + " failed (exit " + p.exitValue() + "): " + lastLine(output.toString()));
        }
        return output.toString();
    }

    /**
     * Alive and not a zombie (state Z in /proc/PID/stat: dead, waiting to be reaped). A killed
     * process nobody has reaped yet holds no port or file, and PID 1 here reaps orphans only every
     * second or two: a wait for killed processes asks this, not {@link ProcessHandle#isAlive}.
     */
    static boolean runs(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return process.isAlive(); // no /proc (macOS): alive is all there is to know
        }
    }

    /** As root a tool runs under runuser, which a SIGKILL ends without its child: the tool goes first. */
    private static void destroyWithDescendants(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static void readPieces(Process p, StringBuilder output, Consumer<String> lines) {
        try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            var piece = new StringBuilder();
            int ch;
            while ((ch = in.read()) >= 0) {
                output.append((char) ch);
                if (ch == '\n' || ch == '\r') {
                    if (!piece.isEmpty()) {
                        lines.accept(piece.toString());
                    }
                    piece.setLength(0);
                } else {
                    piece.append((char) ch);
                }
            }
            if (!piece.isEmpty()) {
                lines.accept(piece.toString());
            }
        } catch (IOException ignored) {
            // the process went away; what it printed so far is in output
        }
    }

    /** The program's own name, without the runuser/setpriv wrapper used to drop root. */
    static String describe(List<String> command) {
        int wrapped = command.indexOf("--");
        String program = wrapped >= 0 && wrapped + 1 < command.size() ? command.get(wrapped + 1) : command.get(0);
        return program.substring(program.lastIndexOf('/') + 1);
    }

    static String lastLine(String output) {
        List<String> lines = new ArrayList<>(output.lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
    }
}
