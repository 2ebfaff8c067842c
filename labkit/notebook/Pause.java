package labkit.notebook;

import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The wait between two steps in a terminal, until the teacher presses Enter. The workload goes on
 * meanwhile, so the prompt is one line, rewritten each second, that shows what it is doing.
 */
final class Pause {
    private Pause() {}

    /** Waits for Enter after printing {@code prompt}; {@code status} (may give null) is what runs meanwhile. */
    static void await(PrintStream console, String prompt, Supplier<String> status) {
        discardTypeAhead();
        int width = Terminal.width();
        Runnable draw = () -> {
            String now = null;
            try {
                now = status == null ? null : status.get();
            } catch (RuntimeException e) {
                // a sampler that failed says so where the lab reads it next; the prompt stays a prompt
            }
            String line = now == null ? prompt + " " : prompt + "   (meanwhile " + now + ") ";
            synchronized (console) {
                console.print("\r" + Terminal.fit(line, width) + "\033[K");
                console.flush();
            }
        };
        var ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            var t = new Thread(r, "pause-status");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(draw, 0, 1, TimeUnit.SECONDS);
        try {
            System.console().readLine();
        } finally {
            ticker.shutdownNow();
            try {
                ticker.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // a redraw that raced the Enter would stand on the new line: clear it, so the prompt shows once
        console.print("\r\033[K");
        console.flush();
    }

    /**
     * Lines typed while the step ran (an Enter pressed early) would answer this prompt at once,
     * and the pause the teacher wanted would flash by: they are dropped.
     */
    private static void discardTypeAhead() {
        try {
            byte[] sink = new byte[256];
            int available;
            while ((available = System.in.available()) > 0) {
                System.in.read(sink, 0, Math.min(sink.length, available));
            }
        } catch (IOException e) {
            // nothing to drop: the next read will say what is wrong with the terminal
        }
    }
}
