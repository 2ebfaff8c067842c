package labkit.notebook;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import labkit.cluster.LabException;
import labkit.cluster.Wait;
import labkit.workload.Ledger;

/**
 * One live line per second while the workloads run: what the clients saw in that second (over
 * every ledger added, e.g. a second application server) and a status the lab supplies, such as
 * who holds a failover manager's leader key. Waits that poll for something call {@link #tick}
 * so that the lines go on meanwhile; after a pause (a step without lines) the counts start afresh.
 */
public final class StatusLine {
    private static final long SECOND = 1_000_000_000L;

    private final Lab lab;
    private final String statusName;
    private final Supplier<String> status;
    private final List<Ledger> ledgers = new CopyOnWriteArrayList<>();
    private long lastLine;
    private long lastOk;
    private long lastFailed;

    public StatusLine(Lab lab, String statusName, Supplier<String> status) {
        this.lab = lab;
        this.statusName = statusName;
        this.status = status;
    }

    public void add(Ledger ledger) {
        ledgers.add(ledger);
    }

    /** Prints a line a second for {@code duration}. */
    public void watch(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        resume();
        while (System.nanoTime() < end) {
            Wait.sleep(Duration.ofNanos(Math.min(SECOND / 10, end - System.nanoTime())));
            tick();
        }
    }

    /** Prints lines until {@code done}, polling every 20 ms; a one-line error naming {@code what} after {@code timeout}. */
    public void until(BooleanSupplier done, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        resume();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new LabException("timed out after " + timeout.toSeconds() + " s waiting until " + what);
            }
            Wait.sleep(Duration.ofMillis(20));
            tick();
        }
    }

    /** Prints the line when a second has passed since the last one. */
    public void tick() {
        if (System.nanoTime() - lastLine < SECOND - SECOND / 100) {
            return;
        }
        lastLine = System.nanoTime();
        long ok = ok();
        long failed = failed();
        lab.result(String.format(Locale.ROOT, "t=%5.1fs  writes: %4d ok, %4d failed  |  %s: %s", lab.elapsed(),
                ok - lastOk, failed - lastFailed, statusName, status.get()));
        lastOk = ok;
        lastFailed = failed;
    }

    /** Starts the counts afresh when no line was printed for a while, so the next line covers one second. */
    public void resume() {
        if (System.nanoTime() - lastLine > 2 * SECOND) {
            lastLine = System.nanoTime();
            lastOk = ok();
            lastFailed = failed();
        }
    }

    private long ok() {
        return ledgers.stream().mapToLong(Ledger::ok).sum();
    }

    private long failed() {
        return ledgers.stream().mapToLong(l -> l.failed() + l.unknown()).sum();
    }
}
