package labkit.notebook;

import java.time.Duration;
import java.util.List;
import labkit.cluster.Cluster;
import labkit.cluster.Link;
import labkit.cluster.Node;
import labkit.cluster.Wait;
import labkit.measure.Audit;
import labkit.measure.LagSampler;
import labkit.measure.Window;
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
    private final String label;
    private final double startedAt;
    private double stoppedAt = Double.NaN;

    private MeasuredPhase(Lab lab, List<Event> events, LoadDriver workload, LagSampler lag, String label,
                          double startedAt) {
        this.lab = lab;
        this.events = events;
        this.workload = workload;
        this.lag = lag;
        this.monitor = new Monitor(lab, workload.ledger(), lag);
        this.label = label;
        this.startedAt = startedAt;
    }

    /**
     * How a phase ended by a fault: what the workload did, the audit of its ledger on the survivor,
     * when the fault struck (ns on the lab clock), and the link's byte counts at that moment (after
     * it, a cut link carries nothing, and the workload's writes go nowhere).
     */
    public record Failure(LoadDriver.Results results, Audit.Result audit, long faultNanos, Link.Traffic trafficAtFault) {}

    /** Starts {@code workload} on the two nodes, and the lag sampler; {@code label} marks the start on the charts. */
    public static MeasuredPhase start(Lab lab, LoadDriver workload, Node primary, Node standby, List<Event> events,
                                      String label) {
        workload.start(primary, standby);
        var lag = LagSampler.start(lab.startNanos(), primary, standby, SAMPLE_EVERY);
        double startedAt = lab.elapsed();
        events.add(new Event(startedAt, label));
        return new MeasuredPhase(lab, events, workload, lag, label, startedAt);
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

    /** From this phase's start (its label, e.g. "workload starts") to {@code to}, at {@code toS} on the lab clock. */
    public Window window(String to, double toS) {
        return new Window(label, startedAt, to, toS);
    }

    /** From this phase's start to {@code seconds} later: a phase of fixed length, whenever the lab looks at it. */
    public Window firstSeconds(String to, Duration seconds) {
        return window(to, startedAt + seconds.toMillis() / 1000.0);
    }

    /** From this phase's start to the workload's stop ({@link #stop}). */
    public Window untilStop() {
        return window("workload stop", stoppedAt);
    }

    /**
     * Ends the phase with {@code fault} on {@code primary} while the workload runs: watches the
     * clients for {@code aftermath}, stops the workload, lets {@code survivor} replay all the WAL it
     * received, and audits every write against it (writes sent before the fault told from those after).
     */
    public Failure endWith(Fault fault, Cluster cluster, Node primary, Link link, Node survivor, Duration aftermath) {
        var trafficAtFault = link.traffic();
        long faultNanos = fault.strike(lab, cluster, primary, link, events);
        watch(aftermath);
        var results = stop();
        survivor.waitForReplayOfReceived(Duration.ofSeconds(30));
        return new Failure(results, Audit.on(results.ledger(), survivor, faultNanos), faultNanos, trafficAtFault);
    }

    /** Stops the workload (in-flight operations finish or break) and the lag sampler; returns what the workload did. */
    public LoadDriver.Results stop() {
        var results = workload.stop();
        stoppedAt = lab.elapsed();
        monitor.stopped();
        lag.close();
        return results;
    }
}
