//DEPS org.postgresql:postgresql:42.7.8
//DEPS tech.tablesaw:tablesaw-core:0.44.4
// Tablesaw and docker-java log through SLF4J: choose its no-op logger instead of a startup warning.
//DEPS org.slf4j:slf4j-nop:2.0.17
package labkit.cluster;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/** Short SQL helpers over a fresh superuser connection; results come back as Tablesaw tables. */
public final class Sql {
    private Sql() {}

    public static void exec(Node node, String sql) {
        execIn(node, Env.get().database(), sql);
    }

    /** Runs {@code sql} in another database of the node (e.g. CREATE DATABASE from "postgres"). */
    public static void execIn(Node node, String database, String sql) {
        try (Connection c = node.connect(database); var st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw failure(node, sql, e);
        }
    }

    /** The first column of the first row as text, or null when there is no row. */
    public static String scalar(Node node, String sql) {
        try (Connection c = node.connect(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw failure(node, sql, e);
        }
    }

    public static long count(Node node, String table) {
        return Long.parseLong(scalar(node, "SELECT count(*) FROM " + table));
    }

    public static Table query(Node node, String sql) {
        try (Connection c = node.connect(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            return table(rs, node.name());
        } catch (SQLException e) {
            throw failure(node, sql, e);
        }
    }

    /**
     * Whole numbers and decimals keep their type; everything else (pg_lsn, inet, intervals, arrays,
     * timestamps) is shown as PostgreSQL prints it, which is what a student sees in psql.
     */
    static Table table(ResultSet rs, String name) throws SQLException {
        var meta = rs.getMetaData();
        List<Column<?>> columns = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
            String label = meta.getColumnLabel(i);
            columns.add(switch (meta.getColumnType(i)) {
                case Types.SMALLINT, Types.INTEGER, Types.BIGINT -> LongColumn.create(label);
                case Types.REAL, Types.DOUBLE, Types.NUMERIC, Types.DECIMAL -> DoubleColumn.create(label);
                default -> StringColumn.create(label);
            });
        }
        while (rs.next()) {
            for (int i = 1; i <= columns.size(); i++) {
                Column<?> column = columns.get(i - 1);
                if (column instanceof LongColumn longs) {
                    long v = rs.getLong(i);
                    if (rs.wasNull()) longs.appendMissing(); else longs.append(v);
                } else if (column instanceof DoubleColumn doubles) {
                    double v = rs.getDouble(i);
                    if (rs.wasNull()) doubles.appendMissing(); else doubles.append(v);
                } else {
                    String v = rs.getString(i);
                    ((StringColumn) column).append(v == null ? "" : v);
                }
            }
        }
        return Table.create(name, columns);
    }

    /**
     * The connection broke, could not be made, or the server ended it (SQLSTATE class 08, 57P):
     * the node is down or going down, not the statement wrong.
     */
    public static boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        return (state != null && (state.startsWith("08") || state.startsWith("57P")))
                || e.getCause() instanceof java.io.IOException;
    }

    private static LabException failure(Node node, String sql, SQLException e) {
        return new LabException("query on " + node.name() + " failed: " + e.getMessage().lines().findFirst().orElse("")
                + " (" + sql + ")", e);
    }
}
