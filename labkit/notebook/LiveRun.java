package labkit.notebook;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import labkit.cluster.LabException;
import labkit.measure.LagSampler;
import labkit.measure.Window;
import labkit.notebook.Charts.Event;
import labkit.workload.Ledger;
import labkit.workload.LoadDriver;

/**
 * A lab's workload while it runs through faults, as the console and the charts show it: a monitor
 * line a second, and the events ("standby stopped") that the charts mark. The demos of Module 4
 * ({@link FollowerFailure}, {@link ManualFailover}) act on the cluster while it runs.
 */
public final class LiveRun {
    private final Lab lab;
    private final LoadDriver workload;
    private final double rate;
    private final double began;
    private final Duration steady;
    private final List<Event> events = new ArrayList<>();
    private Monitor monitor;
    private double stoppedAt = Double.NaN;

    /**
     * @param workload a started workload, arriving at {@code rate} writes per second
     * @param lag      what the monitor lines show of the standby
     * @param steady   how long the workload runs undisturbed before each fault, so that the charts
     *                 show the normal rate first
     */
    public LiveRun(Lab lab, LoadDriver workload, double rate, LagSampler lag, Duration steady) {
        this.lab = lab;
        this.workload = workload;
        this.rate = rate;
        this.began = lab.elapsed();
        this.steady = steady;
        this.monitor = new Monitor(lab, workload.ledger(), lag);
    }

    public Lab lab() { return lab; }

    public LoadDriver workload() { return workload; }

    public Ledger ledger() { return workload.ledger(); }

    public Duration steady() { return steady; }

    public List<Event> events() { return List.copyOf(events); }

    /** Stops the workload (in-flight operations finish or break); returns what it did. */
    public LoadDriver.Results stop() {
        var results = workload.stop();
        stoppedAt = lab.elapsed();
        monitor.stopped();
        return results;
    }

    /** From the workload's start to its {@link #stop}. */
    public Window untilStop() {
        return new Window("workload start", began, "workload stop", stoppedAt);
    }

    /** The monitor lines follow another standby from now on (the old primary, once it rejoined). */
    public void follow(LagSampler lag) {
        monitor = new Monitor(lab, workload.ledger(), lag);
    }

    /** A monitor line a second for {@code duration}. */
    public void watch(Duration duration) {
        monitor.watch(duration);
    }

    /**
     * Watches until {@code done} holds, checked once a second (e.g. "a write succeeded on the new
     * primary": new connections may take a while on a busy machine); fails naming {@code what}.
     */
    public void watchUntil(String what, BooleanSupplier done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new LabException("timed out after " + timeout.toSeconds() + " s waiting until " + what);
            }
            monitor.watch(Duration.ofSeconds(1));
        }
    }

    /** Marks an event at {@code seconds} on the lab clock for the charts; returns the time. */
    public double mark(double seconds, String label) {
        events.add(new Event(seconds, label));
        return seconds;
    }

    public double mark(String label) {
        return mark(lab.elapsed(), label);
    }

    /**
     * Watches until the workload is back on its schedule: every write that arrived more than a
     * second ago has completed. After a stall the queued writes take a while to drain.
     */
    public void awaitBacklog(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (workload.ledger().size() < rate * (lab.elapsed() - began - 1) && System.nanoTime() < deadline) {
            monitor.watch(Duration.ofSeconds(1));
        }
    }
}
