package labkit.measure;

import labkit.cluster.Node;
import labkit.cluster.Sql;

/**
 * WAL a node wrote between two positions, read back with pg_walinspect (PostgreSQL 15 and
 * later): the records, and the full-page images apart. How many full-page images a write
 * causes depends on how long ago the last checkpoint ran, not on what the write was.
 */
public record Wal(long records, long fullPageImages, long total) {

    /** Makes pg_walinspect available on {@code node} (a superuser's CREATE EXTENSION, once). */
    public static void inspect(Node node) {
        Sql.exec(node, "CREATE EXTENSION IF NOT EXISTS pg_walinspect");
    }

    /** The position up to which {@code node} has flushed its WAL: a committed write is before it. */
    public static String flushed(Node node) {
        return Sql.scalar(node, "SELECT pg_current_wal_flush_lsn()");
    }

    /** The WAL {@code node} wrote from {@code from} to {@code to} (two {@link #flushed} positions). */
    public static Wal between(Node node, String from, String to) {
        var t = Sql.query(node, "SELECT coalesce(sum(record_size), 0)::bigint AS records, coalesce(sum(fpi_size), 0)::bigint AS fpi, "
                + "coalesce(sum(combined_size), 0)::bigint AS total FROM pg_get_wal_stats('" + from + "', '" + to + "')");
        return new Wal(t.longColumn(0).get(0), t.longColumn(1).get(0), t.longColumn(2).get(0));
    }
}
