package labkit.measure;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Counts the session anomalies of a {@link History}, by these definitions:
 * <ul>
 * <li><b>stale read</b>: a read of key k saw a value below that of an acknowledged write to k
 *     that had ended before the read began;</li>
 * <li><b>read-your-writes violation</b>: the same, where that write was the reader's own;</li>
 * <li><b>non-monotonic read</b>: per client and key, a read saw a value below one that the same
 *     client had already read (in a read that ended before this one began).</li>
 * </ul>
 * Only operations that succeeded are evidence: a write whose outcome is unknown (or failed) never
 * makes a read stale, since the read cannot be expected to see it. Reads that failed are not counted.
 */
public final class ConsistencyChecker {
    private ConsistencyChecker() {}

    /** One anomaly: the read, and the operation that shows it (the write it missed, or the newer read before it). */
    public record Anomaly(Op read, Op evidence) {
        /** How long before the read began the evidence had ended, in ms. */
        public double gapMs() {
            return (read.startNanos() - evidence.endNanos()) / 1e6;
        }

        /** e.g. "c3 wrote customer:3=17 on postgres-primary (done at 1.532 s), then c3 read customer:3=16 from postgres-standby 3.1 ms later". */
        public String describe(History history) {
            return String.format(Locale.ROOT, "%s %s %s=%d on %s (done at %.3f s), then %s read %s=%d from %s %.1f ms later",
                    evidence.client(), evidence.kind() == Op.Kind.WRITE ? "wrote" : "read", evidence.key(),
                    evidence.value(), evidence.node(), history.ms(evidence.endNanos()) / 1000, read.client(), read.key(),
                    read.value(), read.node(), gapMs());
        }
    }

    /**
     * The counts of a history. Each rate is over the reads the property applies to, and null
     * (not measured) when there were none.
     *
     * @param reads              reads that succeeded
     * @param readsAfterOwnWrite of those, reads of a key the reader had written (acknowledged) before
     * @param readsAfterOwnRead  of those, reads of a key the reader had read before
     */
    public record Result(long reads, long staleReads, long readsAfterOwnWrite, long readYourWritesViolations,
                         long readsAfterOwnRead, long nonMonotonicReads, List<Anomaly> stale,
                         List<Anomaly> readYourWrites, List<Anomaly> nonMonotonic) {
        public Double staleRate() {
            return rate(staleReads, reads);
        }

        public Double readYourWritesRate() {
            return rate(readYourWritesViolations, readsAfterOwnWrite);
        }

        public Double nonMonotonicRate() {
            return rate(nonMonotonicReads, readsAfterOwnRead);
        }

        private static Double rate(long count, long of) {
            return of == 0 ? null : (double) count / of;
        }
    }

    public static Result check(History history) {
        List<Op> ops = history.ops();
        List<Op> reads = ops.stream().filter(o -> o.kind() == Op.Kind.READ && o.ok()).toList();
        List<Op> acked = ops.stream().filter(o -> o.kind() == Op.Kind.WRITE && o.ok()).toList();
        var writesByKey = Newest.index(acked, Op::key);
        var writesByClientKey = Newest.index(acked, ConsistencyChecker::clientKey);
        var readsByClientKey = Newest.index(reads, ConsistencyChecker::clientKey);

        var stale = new ArrayList<Anomaly>();
        var ryw = new ArrayList<Anomaly>();
        var nonMonotonic = new ArrayList<Anomaly>();
        long afterOwnWrite = 0;
        long afterOwnRead = 0;
        for (Op read : reads) {
            Op newestWrite = Newest.before(writesByKey.get(read.key()), read.startNanos());
            if (newestWrite != null && newestWrite.value() > read.value()) {
                stale.add(new Anomaly(read, newestWrite));
            }
            Op ownWrite = Newest.before(writesByClientKey.get(clientKey(read)), read.startNanos());
            if (ownWrite != null) {
                afterOwnWrite++;
                if (ownWrite.value() > read.value()) {
                    ryw.add(new Anomaly(read, ownWrite));
                }
            }
            Op ownRead = Newest.before(readsByClientKey.get(clientKey(read)), read.startNanos());
            if (ownRead != null) {
                afterOwnRead++;
                if (ownRead.value() > read.value()) {
                    nonMonotonic.add(new Anomaly(read, ownRead));
                }
            }
        }
        return new Result(reads.size(), stale.size(), afterOwnWrite, ryw.size(), afterOwnRead, nonMonotonic.size(),
                stale, ryw, nonMonotonic);
    }

    private static String clientKey(Op op) {
        return op.client() + "\u0000" + op.key();
    }

    /**
     * Per group, the operations sorted by end time with, at each position, the one of highest
     * value among those that ended so far: "the newest version seen before t" is a binary search.
     */
    private record Newest(long[] ends, Op[] highest) {
        static Map<String, Newest> index(List<Op> ops, Function<Op, String> group) {
            var groups = new HashMap<String, List<Op>>();
            ops.forEach(o -> groups.computeIfAbsent(group.apply(o), g -> new ArrayList<>()).add(o));
            var index = new HashMap<String, Newest>();
            groups.forEach((g, list) -> {
                list.sort(Comparator.comparingLong(Op::endNanos));
                long[] ends = new long[list.size()];
                Op[] highest = new Op[list.size()];
                for (int i = 0; i < ends.length; i++) {
                    Op op = list.get(i);
                    ends[i] = op.endNanos();
                    highest[i] = i > 0 && highest[i - 1].value() >= op.value() ? highest[i - 1] : op;
                }
                index.put(g, new Newest(ends, highest));
            });
            return index;
        }

        /** The operation of highest value among those that ended strictly before {@code t}, or null. */
        static Op before(Newest n, long t) {
            if (n == null) {
                return null;
            }
            int lo = 0;
            int hi = n.ends.length; // first index whose end is >= t
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (n.ends[mid] < t) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo == 0 ? null : n.highest[lo - 1];
        }
    }
}
