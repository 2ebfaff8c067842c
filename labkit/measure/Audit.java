//DEPS org.postgresql:postgresql:42.7.8
package labkit.measure;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import labkit.cluster.LabException;
import labkit.cluster.Node;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Ledger.Write;

/**
 * The audit of a ledger against the node that survived (DESIGN.md §4): an acknowledged write
 * whose key is absent there is lost. Exact, by key; unknown writes are reported apart, never
 * counted as lost.
 */
public final class Audit {
    /** The workload's table: one row per write, keyed by the client-generated key. */
    public static final String KEYS_QUERY = "SELECT key FROM pglab_write";

    private Audit() {}

    /**
     * @param ok                     acknowledged writes
     * @param failed                 writes certainly not applied
     * @param unknown                writes whose fate the client could not know
     * @param lostAcked              acknowledged writes absent on the survivor
     * @param lost                   those writes, oldest first (newest last), by completion time
     * @param rpoMs                  the span of the acknowledged writes lost, by completion time: from
     *                               the newest one that survived before the first lost one to the newest
     *                               lost one; 0 only when nothing was lost
     * @param unknownPresent         unknown writes that did commit (found on the survivor)
     * @param unknownAbsent          unknown writes that did not
     * @param unknownSentBeforeFault unknown writes sent before the fault struck: in flight when it did;
     *                               null when the audit was not told when it struck
     * @param unknownSentAfterFault  unknown writes sent after it, on a connection that was already broken
     */
    public record Result(long ok, long failed, long unknown, long lostAcked, List<Write> lost, double rpoMs,
                         long unknownPresent, long unknownAbsent, Long unknownSentBeforeFault,
                         Long unknownSentAfterFault) {

        /** An audit that was not told when the fault struck. */
        public Result(long ok, long failed, long unknown, long lostAcked, List<Write> lost, double rpoMs,
                      long unknownPresent, long unknownAbsent) {
            this(ok, failed, unknown, lostAcked, lost, rpoMs, unknownPresent, unknownAbsent, null, null);
        }

        /** The newest {@code n} lost writes, newest last: "acknowledged to the client, and they are gone". */
        public List<Write> lastLost(int n) {
            return lost.subList(Math.max(0, lost.size() - n), lost.size());
        }

        /**
         * The RPO window in seconds on the lab clock, {from, to}: {@link #rpoMs} long, ending at the
         * newest lost write; null when nothing was lost.
         */
        public double[] rpoWindowSeconds() {
            if (lost.isEmpty()) {
                return null;
            }
            double to = lost.getLast().doneNanos() / 1e9;
            return new double[] {to - rpoMs / 1000, to};
        }
    }

    /** Audits {@code ledger} against the keys present on the surviving node. */
    public static Result of(Ledger ledger, Set<String> presentKeys) {
        List<Write> writes = ledger.writes();
        List<Write> acked = writes.stream().filter(w -> w.outcome() == Outcome.OK).toList();
        List<Write> lost = acked.stream().filter(w -> !presentKeys.contains(w.key()))
                .sorted(Comparator.comparingLong(Write::doneNanos)).toList();
        long unknownPresent = writes.stream()
                .filter(w -> w.outcome() == Outcome.UNKNOWN && presentKeys.contains(w.key())).count();
        long unknown = writes.stream().filter(w -> w.outcome() == Outcome.UNKNOWN).count();
        return new Result(acked.size(), ledger.failed(), unknown, lost.size(), lost,
                rpoMs(writes, lost, presentKeys), unknownPresent, unknown - unknownPresent);
    }

    /**
     * Audits {@code ledger} against the keys present on the surviving node, and splits the unknown
     * writes by when they were sent: before {@code faultNanos} (lab clock) or after.
     */
    public static Result of(Ledger ledger, Set<String> presentKeys, long faultNanos) {
        Result r = of(ledger, presentKeys);
        long before = ledger.writes().stream()
                .filter(w -> w.outcome() == Outcome.UNKNOWN && w.sentNanos() < faultNanos).count();
        return new Result(r.ok(), r.failed(), r.unknown(), r.lostAcked(), r.lost(), r.rpoMs(), r.unknownPresent(),
                r.unknownAbsent(), before, r.unknown() - before);
    }

    /**
     * The span of acknowledged writes lost, by completion time: from the newest acknowledged write
     * that survived before the first lost one (with none, where the workload began: its earliest
     * intended start) to the newest lost write. When every write after some moment is lost (the
     * usual case) that is DESIGN.md §4's "newest surviving to newest acknowledged"; when a newer
     * write survived too (acknowledgements need not come back in commit order), the span still
     * covers every lost write, so the RPO is never 0 while something was lost.
     */
    private static double rpoMs(List<Write> writes, List<Write> lost, Set<String> presentKeys) {
        if (lost.isEmpty()) {
            return 0;
        }
        long firstLost = lost.getFirst().doneNanos();
        long newestLost = lost.getLast().doneNanos();
        long survivingBefore = writes.stream()
                .filter(w -> w.outcome() == Outcome.OK && presentKeys.contains(w.key()) && w.doneNanos() < firstLost)
                .mapToLong(Write::doneNanos).max()
                .orElse(writes.stream().mapToLong(Write::intendedNanos).min().orElseThrow());
        return (newestLost - survivingBefore) / 1e6;
    }

    /** The keys present on a node, read over {@code connection} with {@link #KEYS_QUERY}. */
    public static Set<String> keysOn(Connection connection) throws SQLException {
        var keys = new HashSet<String>();
        try (var st = connection.createStatement(); var rs = st.executeQuery(KEYS_QUERY)) {
            while (rs.next()) {
                keys.add(rs.getString(1));
            }
        }
        return keys;
    }

    /** Audits {@code ledger} against the lab database on {@code survivor}. */
    public static Result on(Ledger ledger, Node survivor) {
        return of(ledger, keysOn(survivor));
    }

    /** Audits {@code ledger} against the lab database on {@code survivor}, knowing when the fault struck. */
    public static Result on(Ledger ledger, Node survivor, long faultNanos) {
        return of(ledger, keysOn(survivor), faultNanos);
    }

    /** How many of {@code writes} are absent on {@code node} (e.g. lost writes a rewind threw away there too). */
    public static long absentOn(Node node, List<Write> writes) {
        if (writes.isEmpty()) {
            return 0;
        }
        var keys = keysOn(node);
        return writes.stream().filter(w -> !keys.contains(w.key())).count();
    }

    private static Set<String> keysOn(Node survivor) {
        try (Connection c = survivor.connect()) {
            return keysOn(c);
        } catch (SQLException e) {
            throw new LabException("cannot read the written keys on " + survivor.name() + " (" + KEYS_QUERY + "): "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }
}
