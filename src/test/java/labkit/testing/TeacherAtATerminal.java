package labkit.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a lab without --yes in a pseudo-terminal of a given width (util-linux's {@code script}),
 * the way a teacher does: at each "[Enter] to go on to …" prompt it waits a while (the workload
 * runs on), then presses Enter. It also presses Enter once while a step runs, as an impatient
 * student might: that key must not answer the next prompt.
 */
public final class TeacherAtATerminal {
    private static final Pattern PROMPT = Pattern.compile("\\[Enter] to go on to (\\S+)");
    private static final Pattern ESCAPES = Pattern.compile("\033\\[[0-9;?]*[A-Za-z]");

    /** What the run did: the lab's exit, the terminal's transcript (escape codes kept), each pause taken. */
    public record Result(LabProcess process, String terminal, List<Pause> pauses, List<String> stepsThatDidNotWait) {
        /** The screen's lines as a person saw them: escape codes gone, a line rewritten in place (\r) counted once per version. */
        public List<String> screenLines() {
            return terminal.lines().flatMap(l -> List.of(l.split("\r")).stream()).map(TeacherAtATerminal::plain).toList();
        }
    }

    /** A pause at the prompt of {@code step}, of {@code length}. */
    public record Pause(String step, Duration length) {}

    private TeacherAtATerminal() {}

    public static String plain(String s) {
        return ESCAPES.matcher(s).replaceAll("");
    }

    /** Seeded pauses of 3–15 s, the one before {@code longStep} of 10–15 s (a check needs a long pause there). */
    public static Function<String, Duration> randomPauses(long seed, String longStep) {
        var random = new Random(seed);
        return step -> Duration.ofSeconds(step.equals(longStep) ? 10 + random.nextInt(6) : 3 + random.nextInt(13));
    }

    public static Result run(String script, Path out, int columns, Function<String, Duration> pauseBefore,
                             String... args) throws IOException, InterruptedException {
        Required.tool(onPath("script"), "no script (util-linux) on PATH to give the lab a terminal");
        var lab = new StringBuilder("stty cols " + columns + " rows 50; exec ./jbang " + script + " --out '" + out + "'");
        for (String a : args) {
            lab.append(' ').append(a);
        }
        var builder = new ProcessBuilder("script", "-qefc", lab.toString(), "/dev/null")
                .directory(LabProcess.ROOT.toFile()).redirectErrorStream(true);
        builder.environment().put("TERM", "xterm-256color");
        builder.environment().remove("NO_COLOR");
        long start = System.nanoTime();
        Process p = builder.start();
        var screen = new StringBuffer();
        var reader = Thread.ofPlatform().daemon().start(() -> copy(p.getInputStream(), screen));
        var pauses = new ArrayList<Pause>();
        var didNotWait = new ArrayList<String>();
        OutputStream keys = p.getOutputStream();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        int seen = 0;
        boolean strayKeyPressed = false;
        while (p.isAlive() && System.nanoTime() < deadline) {
            Matcher m = PROMPT.matcher(screen.substring(seen));
            if (!m.find()) {
                if (!strayKeyPressed && !pauses.isEmpty() && screen.indexOf("t=", seen) >= 0) {
                    keys.write('\n'); // while a step's live line runs: the next prompt must wait all the same
                    keys.flush();
                    strayKeyPressed = true;
                }
                Thread.sleep(100);
                continue;
            }
            String step = m.group(1);
            int promptAt = seen + m.start();
            Duration pause = pauseBefore.apply(step);
            pauses.add(new Pause(step, pause));
            long until = System.nanoTime() + pause.toNanos();
            while (System.nanoTime() < until && p.isAlive()) {
                if (titleAfter(screen, promptAt, step) >= 0) {
                    didNotWait.add(step);
                    break;
                }
                Thread.sleep(100);
            }
            keys.write('\n');
            keys.flush();
            int title;
            while ((title = titleAfter(screen, promptAt, step)) < 0 && p.isAlive()) {
                Thread.sleep(100);
            }
            seen = title < 0 ? screen.length() : title;
        }
        if (!p.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(script + " did not finish in 10 minutes in the terminal:\n" + screen);
        }
        reader.join(5000);
        double seconds = (System.nanoTime() - start) / 1e9;
        var process = new LabProcess(p.exitValue(), screen.toString(), "", out, seconds);
        return new Result(process, screen.toString(), pauses, didNotWait);
    }

    private static boolean onPath(String command) {
        return java.util.Arrays.stream(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }

    /** Where the title line of {@code step} ("2.3  …") begins after {@code from}, or -1. */
    private static int titleAfter(StringBuffer screen, int from, String step) {
        var m = Pattern.compile("\n(?:\033\\[[0-9;]*m)*" + Pattern.quote(step) + "  ").matcher(screen.substring(from));
        return m.find() ? from + m.start() + 1 : -1;
    }

    private static void copy(InputStream in, StringBuffer to) {
        char[] buf = new char[8192];
        try (var reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            int n;
            while ((n = reader.read(buf)) > 0) {
                to.append(buf, 0, n);
            }
        } catch (IOException e) {
            // the terminal closed with the lab
        }
    }
}
