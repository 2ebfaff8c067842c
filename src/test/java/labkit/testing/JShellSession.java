package labkit.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ./jbang run on a pseudo-terminal, typed into as a student types: util-linux's {@code script}
 * gives the command a terminal and passes what this writes to it as keystrokes. JShell then runs
 * as it does in a real terminal (its line editor, its console), which is where it differs from a pipe.
 */
public final class JShellSession implements AutoCloseable {
    /** Terminal control sequences (CSI, OSC, charset and keypad modes) and carriage returns. */
    private static final Pattern ESCAPES = Pattern.compile(
            "\u001B\\[[0-?]*[ -/]*[@-~]|\u001B\\][^\u0007]*\u0007|\u001B[()][0-9A-Za-z]|\u001B[=>]|\r");

    private final Process process;
    private final OutputStream keyboard;
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private int seen;

    private JShellSession(Process process) {
        this.process = process;
        this.keyboard = process.getOutputStream();
        Thread.ofPlatform().daemon().name("jshell-screen").start(() -> copy(process.getInputStream()));
    }

    /** Starts {@code ./jbang args…} from the repository's root in a terminal of 120 × 50. */
    public static JShellSession start(String... args) throws IOException {
        var command = new StringBuilder("stty cols 120 rows 50; exec ./jbang");
        for (String a : args) {
            command.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        var builder = new ProcessBuilder("script", "-qfec", command.toString(), "/dev/null")
                .directory(LabProcess.ROOT.toFile()).redirectErrorStream(true);
        builder.environment().put("TERM", "xterm");
        return new JShellSession(builder.start());
    }

    /** Types a line and Enter. */
    public void type(String line) throws IOException {
        keyboard.write((line + "\r").getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
    }

    /**
     * Waits until the screen shows a match of {@code pattern} after what earlier waits consumed, and
     * returns the match; fails with the whole screen when it does not come in time or the process ends.
     */
    public Matcher await(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            synchronized (screen) {
                Matcher m = pattern.matcher(plainText());
                if (m.find(seen)) {
                    seen = m.end();
                    return m;
                }
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError((process.isAlive() ? "no " : "the session ended without ") + pattern
                            + " in " + timeout.toSeconds() + " s; the screen:\n" + plainText());
                }
                screen.wait(200);
            }
        }
    }

    /** Waits for the JShell prompt (after what earlier waits consumed). */
    public void awaitPrompt(Duration timeout) throws InterruptedException {
        await(Pattern.compile("jshell> "), timeout);
    }

    /** Waits for the session to end and returns its exit status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("the session did not end in " + timeout.toSeconds() + " s; the screen:\n" + plainText());
        }
        return process.exitValue();
    }

    /** What the terminal showed so far, without colour and cursor escapes. */
    public String plainText() {
        synchronized (screen) {
            return ESCAPES.matcher(screen.toString(StandardCharsets.UTF_8)).replaceAll("");
        }
    }

    private void copy(InputStream in) {
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                synchronized (screen) {
                    screen.write(buffer, 0, n);
                    screen.notifyAll();
                }
            }
        } catch (IOException e) {
            // the session ended
        }
        synchronized (screen) {
            screen.notifyAll();
        }
    }

    /** Ends the session if a test left it running (the cluster's shutdown hook then tears it down). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                process.waitFor(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
