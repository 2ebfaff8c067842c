package labkit.notebook;

import java.time.Duration;
import java.util.List;
import labkit.cluster.Cluster;
import labkit.cluster.Link;
import labkit.cluster.Node;
import labkit.cluster.Wait;
import labkit.measure.Audit;
import labkit.measure.LagSampler;
import labkit.notebook.Charts.Event;
import labkit.workload.Ledger;
import labkit.workload.LoadDriver;

/**
 * A measured phase of a lab: the workload writes to the primary and reads from the standby
 * while the lag is sampled and a live line is printed each second; its start is an event on the
 * charts. A warm-up before the first phase (not measured) keeps the JIT's compiling and the
 * servers' cold caches out of that phase's numbers.
 */
public final class MeasuredPhase {
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(100);

    private final Lab lab;
    private final List<Event> events;
    private final LoadDriver workload;
    private final LagSampler lag;
    private final Monitor monitor;

    private MeasuredPhase(Lab lab, List<Event> events, LoadDriver workload, LagSampler lag) {
        this.lab = lab;
        this.events = events;
        this.workload = workload;
        this.lag = lag;
        this.monitor = new Monitor(lab, workload.ledger(), lag);
    }

    /**
     * How a phase ended by a fault: what the workload did, the audit of its ledger on the survivor,
     * and when the fault struck (ns on the lab clock).
     */
    public record Failure(LoadDriver.Results results, Audit.Result audit, long faultNanos) {}

    /** Starts {@code workload} on the two nodes, and the lag sampler; {@code label} marks the start on the charts. */
    public static MeasuredPhase start(Lab lab, LoadDriver workload, Node primary, Node standby, List<Event> events,
                                      String label) {
        workload.start(primary, standby);
        var lag = LagSampler.start(lab.startNanos(), primary, standby, SAMPLE_EVERY);
        events.add(new Event(lab.elapsed(), label));
        return new MeasuredPhase(lab, events, workload, lag);
    }

    /**
     * Runs {@code workload} for {@code duration}, unmeasured, then waits until the standby has
     * replayed it all, so that the measured phase after it starts from a standby in step.
     */
    public static void warmUp(LoadDriver workload, Node primary, Node standby, Duration duration) {
        workload.start(primary, standby);
        Wait.sleep(duration);
        workload.stop();
        primary.waitForCatchup(standby, Duration.ofSeconds(60));
    }

    /** Prints the live line each second for {@code duration} while the phase runs. */
    public MeasuredPhase watch(Duration duration) {
        monitor.watch(duration);
        return this;
    }

    public Ledger ledger() {
        return workload.ledger();
    }

    public LagSampler lag() {
        return lag;
    }

    /**
     * Ends the phase with {@code fault} on {@code primary} while the workload runs: watches the
     * clients for {@code aftermath}, stops the workload, lets {@code survivor} replay all the WAL it
     * received, and audits every write against it (writes sent before the fault told from those after).
     */
    public Failure endWith(Fault fault, Cluster cluster, Node primary, Link link, Node survivor, Duration aftermath) {
        long faultNanos = fault.strike(lab, cluster, primary, link, events);
        watch(aftermath);
        var results = stop();
        survivor.waitForReplayOfReceived(Duration.ofSeconds(30));
        return new Failure(results, Audit.on(results.ledger(), survivor, faultNanos), faultNanos);
    }

    /** Stops the workload (in-flight operations finish or break) and the lag sampler; returns what the workload did. */
    public LoadDriver.Results stop() {
        var results = workload.stop();
        lag.close();
        return results;
    }
}
