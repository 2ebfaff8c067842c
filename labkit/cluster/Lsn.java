package labkit.cluster;

/**
 * A WAL position as PostgreSQL prints it ({@code 16/B374D848}: the high and low 32 bits in hex),
 * comparable, for clients that keep a position and compare it with a node's (a read-your-writes
 * token, a reader's high-water mark).
 */
public record Lsn(long value) implements Comparable<Lsn> {
    public static final Lsn ZERO = new Lsn(0);

    public static Lsn parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash < 1 || slash == text.length() - 1) {
            throw new IllegalArgumentException("not a WAL position (like 0/16B3748): " + text);
        }
        try {
            long high = Long.parseLong(text.substring(0, slash), 16);
            long low = Long.parseLong(text.substring(slash + 1), 16);
            if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL || high < 0 || low < 0) {
                throw new NumberFormatException();
            }
            return new Lsn(high << 32 | low);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a WAL position (like 0/16B3748): " + text);
        }
    }

    /**
     * {@code pg_current_wal_insert_lsn()} of a primary, read after a commit: the end of the WAL inserted so
     * far, so it covers the commit record whatever synchronous_commit is, as in PostgreSQL's WAIT FOR
     * example. The write position ({@code pg_current_wal_lsn()}) and the flush position cover it only once
     * the commit has flushed its WAL, which synchronous_commit = off skips. The insert position may run ahead
     * by other sessions' WAL not yet flushed: a replay wait on it can last a little longer, never too short.
     */
    public static Lsn current(java.sql.Connection primary) throws java.sql.SQLException {
        try (var st = primary.createStatement(); var rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()")) {
            rs.next();
            return parse(rs.getString(1));
        }
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
