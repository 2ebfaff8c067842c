//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * A result table for the console, as psql's {@code \x auto} shows it: in columns when it fits the
 * screen, else one column per line for each row (a row of pg_stat_replication spread over eight
 * wrapped lines is unreadable on a projector).
 */
final class ConsoleTable {
    private ConsoleTable() {}

    /** The lines of {@code table}, each at most {@code width} characters once {@code indent} is put in front. */
    static List<String> lines(Table table, int width, String indent) {
        List<String> columns = table.printAll().lines().toList();
        boolean fits = columns.stream().allMatch(l -> indent.length() + l.length() <= width);
        return fits ? columns : expanded(table, width - indent.length());
    }

    private static List<String> expanded(Table table, int width) {
        int nameWidth = table.columns().stream().mapToInt(c -> c.name().length()).max().orElse(0);
        int valueWidth = Math.max(10, width - nameWidth - 3);
        var lines = new ArrayList<String>();
        lines.add(table.name());
        for (int row = 0; row < table.rowCount(); row++) {
            String header = "-[ RECORD " + (row + 1) + " ]";
            lines.add(header + "-".repeat(Math.max(0, Math.min(width, nameWidth + 3 + valueWidth) - header.length())));
            for (Column<?> column : table.columns()) {
                String value = column.isMissing(row) ? "" : column.getString(row);
                String name = column.name();
                do {
                    int cut = Math.min(valueWidth, value.length());
                    lines.add(String.format("%-" + nameWidth + "s | %s", name, value.substring(0, cut)).stripTrailing());
                    value = value.substring(cut);
                    name = "";
                } while (!value.isEmpty());
            }
        }
        if (table.rowCount() == 0) {
            lines.add("(0 rows)");
        }
        return lines;
    }
}
