package labkit.workload;

import java.util.List;
import labkit.cluster.Node;

/**
 * Something that drives the lab's mixed workload: writes to the primary, reads from the standby,
 * at constant arrival rates (open model). The built-in {@link Workload} and k6 both feed the same
 * {@link Ledger}, so the audit, tables and charts do not care which ran.
 */
public interface LoadDriver extends AutoCloseable {

    /** Starts both arrival schedules. */
    void start(Node writeTo, Node readFrom);

    /** Sends the writes that arrive from now on to another node (after a failover). */
    void reroute(Node writeTo);

    /** The writes so far, filling while the run goes on (for live lines). */
    Ledger ledger();

    /** Stops the arrivals, lets in-flight operations finish or break, and returns what happened. */
    Results stop();

    @Override
    default void close() {
        stop();
    }

    /**
     * What a run did. {@code reads} are the read operations (they are not audited, only timed);
     * {@code notSent} counts arrivals that were never sent: still waiting for a connection when the
     * run stopped (k6 calls them dropped iterations), and, with k6, the writes that arrived while
     * its writer was restarted at a re-route.
     */
    record Results(Ledger ledger, List<Read> reads, long notSent) {}

    /** One read: its intended start and completion on the lab clock (ns), and whether it succeeded. */
    record Read(long intendedNanos, long doneNanos, boolean ok) {
        public double latencyMs() {
            return (doneNanos - intendedNanos) / 1e6;
        }
    }
}
