package labkit.measure;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import labkit.cluster.LabException;
import labkit.cluster.Node;

/**
 * Two nodes that should hold the same rows, compared row by row: the rows of {@code query} by its
 * first column (the key), the others joined as the row's value. A row differs when its values
 * differ or when only one node has it.
 *
 * @param examples the first few differing rows, e.g. {@code id 7: node-a has (set on node-b), node-b has (set on node-a)}
 */
public record Divergence(int rows, int differing, List<String> examples) {
    private static final int EXAMPLES = 3;

    public static Divergence of(Node a, Node b, String query) {
        Map<String, String> left = rows(a, query);
        Map<String, String> right = rows(b, query);
        var keys = new LinkedHashSet<>(left.keySet()); // in the query's order
        keys.addAll(right.keySet());
        int differing = 0;
        var examples = new ArrayList<String>();
        for (String key : keys) {
            if (!Objects.equals(left.get(key), right.get(key))) {
                differing++;
                if (examples.size() < EXAMPLES) {
                    examples.add(key + ": " + a.name() + " has " + shown(left.get(key)) + ", " + b.name() + " has "
                            + shown(right.get(key)));
                }
            }
        }
        return new Divergence(keys.size(), differing, List.copyOf(examples));
    }

    private static String shown(String value) {
        return value == null ? "no such row" : "(" + value + ")";
    }

    private static Map<String, String> rows(Node node, String query) {
        var rows = new LinkedHashMap<String, String>();
        try (Connection c = node.connect(); var st = c.createStatement(); var rs = st.executeQuery(query)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                var value = new ArrayList<String>();
                for (int i = 2; i <= columns; i++) {
                    value.add(rs.getString(i));
                }
                rows.put(rs.getMetaData().getColumnLabel(1) + " " + rs.getString(1), String.join(", ", value));
            }
        } catch (SQLException e) {
            throw new LabException("cannot read the rows of " + node.name() + ": " + e.getMessage() + " (" + query + ")");
        }
        return rows;
    }
}
