package labkit.notebook;

import java.time.Duration;
import java.util.Locale;
import labkit.cluster.Wait;
import labkit.measure.LagSampler;
import labkit.workload.Ledger;

/**
 * One live line per second while the workload runs: what the clients see and how far behind the
 * standby is. Each line covers the time since the one before: after a pause at a step's prompt
 * (the workload ran on) the next line says so, with the pause's length, counts and rate, at once.
 */
public final class Monitor {
    /** A line that covers more than this is no "second": it names how long it covers. */
    private static final double LONGER_THAN_A_TICK_S = 1.5;

    private final Lab lab;
    private final Ledger ledger;
    private final LagSampler lag;
    private long lastOk;
    private long lastFailed;
    private double lastAt;
    private long waitingOk;
    private double waitingAt;

    public Monitor(Lab lab, Ledger ledger, LagSampler lag) {
        this.lab = lab;
        this.ledger = ledger;
        this.lag = lag;
        // a monitor started on a running workload (a new lag sampler after a failover) counts from now
        this.lastOk = ledger.ok();
        this.lastFailed = ledger.failed() + ledger.unknown();
        this.lastAt = lab.elapsed();
        this.waitingOk = lastOk;
        this.waitingAt = lastAt;
        lab.whileWaiting(this::whileWaiting);
    }

    /** Prints a line a second for {@code duration}; first, if the lab paused since the last line, the pause's. */
    public void watch(Duration duration) {
        if (lab.pausedSince(lastAt)) {
            line();
        }
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            Wait.sleep(Duration.ofNanos(Math.min(1_000_000_000L, end - System.nanoTime())));
            line();
        }
    }

    /** The pause prompt stops showing this workload (it was stopped). */
    public void stopped() {
        lab.whileWaiting(null);
    }

    private void line() {
        double now = lab.elapsed();
        double covers = now - lastAt;
        long ok = ledger.ok() - lastOk;
        long failed = ledger.failed() + ledger.unknown() - lastFailed;
        String writes = lab.pausedSince(lastAt)
                ? String.format(Locale.ROOT, "pause of %.1f s: %d ok (%.1f/s), %d failed", covers, ok, ok / covers, failed)
                : covers > LONGER_THAN_A_TICK_S
                ? String.format(Locale.ROOT, "last %.1f s: %d ok (%.1f/s), %d failed", covers, ok, ok / covers, failed)
                : String.format(Locale.ROOT, "writes: %4d ok, %4d failed", ok, failed);
        lab.live(String.format(Locale.ROOT, "t=%5.1fs  %s  |  %s", now, writes, lagText()));
        lastOk += ok;
        lastFailed += failed;
        lastAt = now;
    }

    /** For the pause prompt, each second: the write rate since the last call, and the standby's lag. */
    private String whileWaiting() {
        double now = lab.elapsed();
        long ok = ledger.ok();
        double rate = now > waitingAt ? (ok - waitingOk) / (now - waitingAt) : 0;
        waitingOk = ok;
        waitingAt = now;
        return String.format(Locale.ROOT, "%.0f writes/s ok, %s", rate, lagText());
    }

    private String lagText() {
        var sample = lag.latest();
        return sample == null ? "no sample yet"
                : sample.replayLagMs() != null
                        ? String.format(Locale.ROOT, "replay lag %4.0f ms, %6.1f kB behind", sample.replayLagMs(),
                                sample.bytesBehind() == null ? Double.NaN : sample.bytesBehind() / 1024)
                        : sample.state().equals("unreachable") ? "primary unreachable" // the state is the primary's answer
                        : "standby " + sample.state();
    }
}
