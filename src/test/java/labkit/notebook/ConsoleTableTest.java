package labkit.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class ConsoleTableTest {
    private static Table replicationLike(int columns) {
        var table = Table.create("pg_stat_replication");
        for (int c = 0; c < columns; c++) {
            table.addColumns(StringColumn.create("column_" + c, "2026-12-01 11:57:07.123456+00"));
        }
        return table;
    }

    @Test
    void aTableThatFitsKeepsItsColumns() {
        var table = replicationLike(2);
        assertEquals(table.printAll().lines().toList(), ConsoleTable.lines(table, 100, "   "));
    }

    @Test
    void aWiderTableShowsOneColumnPerLineWithinTheWidth() {
        List<String> lines = ConsoleTable.lines(replicationLike(20), 100, "   ");
        assertTrue(lines.stream().allMatch(l -> 3 + l.length() <= 100), String.join("\n", lines));
        assertTrue(lines.contains("-[ RECORD 1 ]" + "-".repeat(lines.get(1).length() - 13)), lines.get(1));
        assertTrue(lines.contains("column_19 | 2026-12-01 11:57:07.123456+00"), String.join("\n", lines));
    }

    @Test
    void aValueWiderThanTheScreenGoesOnOnTheNextLines() {
        var table = Table.create("t", StringColumn.create("query", "x".repeat(150)),
                StringColumn.create("pid", "1"));
        List<String> lines = ConsoleTable.lines(table, 60, "   ");
        assertTrue(lines.stream().allMatch(l -> 3 + l.length() <= 60), String.join("\n", lines));
        assertEquals(150, lines.stream().filter(l -> l.contains("| x")).mapToLong(l -> l.chars().filter(ch -> ch == 'x').count()).sum());
    }
}
