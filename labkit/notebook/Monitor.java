package labkit.notebook;

import java.time.Duration;
import java.util.Locale;
import labkit.cluster.Wait;
import labkit.measure.LagSampler;
import labkit.workload.Ledger;

/** One live line per second while the workload runs: what the clients see and how far behind the standby is. */
public final class Monitor {
    private final Lab lab;
    private final Ledger ledger;
    private final LagSampler lag;
    private long lastOk;
    private long lastFailed;

    public Monitor(Lab lab, Ledger ledger, LagSampler lag) {
        this.lab = lab;
        this.ledger = ledger;
        this.lag = lag;
        // a monitor started on a running workload (a new lag sampler after a failover) counts from now
        this.lastOk = ledger.ok();
        this.lastFailed = ledger.failed() + ledger.unknown();
    }

    /** Prints a line a second for {@code duration}. */
    public void watch(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            Wait.sleep(Duration.ofNanos(Math.min(1_000_000_000L, end - System.nanoTime())));
            line();
        }
    }

    private void line() {
        long ok = ledger.ok();
        long failed = ledger.failed() + ledger.unknown();
        var sample = lag.latest();
        String lagText = sample == null ? "no sample yet"
                : sample.replayLagMs() != null
                        ? String.format(Locale.ROOT, "replay lag %4.0f ms, %6.1f kB behind", sample.replayLagMs(),
                                sample.bytesBehind() == null ? Double.NaN : sample.bytesBehind() / 1024)
                        : sample.state().equals("unreachable") ? "primary unreachable" // the state is the primary's answer
                        : "standby " + sample.state();
        lab.result(String.format(Locale.ROOT, "t=%5.1fs  writes: %4d ok, %4d failed  |  %s", lab.elapsed(),
                ok - lastOk, failed - lastFailed, lagText));
        lastOk = ok;
        lastFailed = failed;
    }
}
