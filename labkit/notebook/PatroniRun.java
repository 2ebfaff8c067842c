package labkit.notebook;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import labkit.cluster.EtcdWatch;
import labkit.cluster.LabException;
import labkit.cluster.Patroni;
import labkit.cluster.PatroniNode;
import labkit.cluster.Wait;
import labkit.notebook.Charts.Event;
import labkit.workload.Ledger;

/**
 * Module 7's run while Patroni acts: a live line a second with who holds the leader key, the
 * events the charts mark, the ledgers of every application server, and the waits that end when
 * etcd or a member says so. The demos of lab07 ({@link PatroniFailover}, {@link PatroniRejoin},
 * {@link SplitBrain}, {@link QuorumCommits}, {@link CascadingStandby}) act through it; times are
 * ns on the lab clock, like the ledger's.
 */
public final class PatroniRun {
    private final Lab lab;
    private final Patroni ha;
    private final StatusLine live;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final List<Ledger> ledgers = new CopyOnWriteArrayList<>();
    private EtcdWatch leaderKey;

    public PatroniRun(Lab lab, Patroni ha) {
        this.lab = lab;
        this.ha = ha;
        this.live = new StatusLine(lab, "leader key", () -> ha.leaderInEtcd().orElse("(nobody)"));
    }

    public Lab lab() { return lab; }

    public Patroni ha() { return ha; }

    public List<Event> events() { return List.copyOf(events); }

    /** The writes of another application server count from now on, in the live lines and {@link #writes}. */
    public void follow(Ledger ledger) {
        ledgers.add(ledger);
        live.add(ledger);
    }

    /** From now on every change of the leader key is stamped as etcd reports it. */
    public void watchLeaderKey() {
        leaderKey = ha.etcd().watch(ha.leaderKey(), lab.startNanos());
    }

    /** The lab clock, ns. */
    public long now() {
        return System.nanoTime() - lab.startNanos();
    }

    /** Marks an event for the charts at {@code nanos}; returns the time. */
    public long mark(long nanos, String label) {
        events.add(new Event(nanos / 1e9, label));
        return nanos;
    }

    public long mark(String label) {
        return mark(now(), label);
    }

    /** Stops a member (Patroni stops its server first), printed and marked as {@code event}; returns when it stopped. */
    public long stop(PatroniNode node, String event) {
        lab.command(node.stopCommand());
        long stopped = mark(event);
        node.stop();
        lab.event("Stopped \"" + node.name() + "\"");
        return stopped;
    }

    /** A live line a second for {@code duration}. */
    public void watch(Duration duration) {
        live.watch(duration);
    }

    /** Live lines until {@code done} holds; one line naming {@code what} after {@code timeout}. */
    public void watchUntil(String what, BooleanSupplier done, Duration timeout) {
        live.until(done, timeout, what);
    }

    /** The writes of every application server that match, in one ledger. */
    public Ledger writes(Predicate<Ledger.Write> matching) {
        return Ledger.merged(matching, ledgers);
    }

    /** When the first write {@code node} acknowledged was sent, over every application server; empty while none. */
    public OptionalLong firstOkSentOn(String node) {
        return ledgers.stream().map(l -> l.firstOkSentOn(node)).filter(OptionalLong::isPresent)
                .mapToLong(OptionalLong::getAsLong).min();
    }

    /**
     * The first change of the leader key since {@code since} that matches, with live lines meanwhile.
     * Patroni acts within a few ttl: three of them and half a minute is "it did not happen".
     */
    public EtcdWatch.Change awaitLeaderKey(long since, Predicate<EtcdWatch.Change> matching, String what) {
        var timeout = Duration.ofSeconds(ha.timing().ttl() * 3L + 30);
        live.resume();
        return leaderKey.await(since, matching, timeout, live::tick).orElseThrow(() -> new LabException(
                "the leader key did not " + what + " within " + timeout.toSeconds() + " s"));
    }

    /** Waits, with live lines, until {@code node} streams from {@code expected}. */
    public void awaitUpstream(PatroniNode node, PatroniNode expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        live.resume();
        while (!ha.upstreamOf(node).orElse("").equals(expected.name())) {
            if (System.nanoTime() > deadline) {
                throw new LabException(node.name() + " did not stream from " + expected.name() + " within "
                        + timeout.toSeconds() + " s");
            }
            Wait.sleep(Duration.ofMillis(100));
            live.tick();
        }
    }
}
