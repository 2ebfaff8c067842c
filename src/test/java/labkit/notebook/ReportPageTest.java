package labkit.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The Markdown of report.md, part by part, as a forge renders it. */
class ReportPageTest {
    @TempDir Path dir;

    @Test
    void eachPartBecomesItsMarkdownAndConsoleLinesShareABlock() throws Exception {
        Path file = dir.resolve("report.md");
        var page = new ReportPage(file, "Module 9: Test", "lab09, started now");
        page.step("9.1  A step");
        page.narrative("  The <datadir> of a node.\n  Second line.  ");
        page.command("psql -c \"SELECT 1\"");
        page.console("### Killed node \"a\"  (t=1.0s)");
        page.console("   t=  2.0s  writes: 10 ok");
        page.table(Table.create("result of a | query",
                StringColumn.create("name", "a|b", "two\nlines"), DoubleColumn.create("ms", 1.5, Double.NaN)));
        page.table(Table.create("", StringColumn.create("empty")));
        page.image("lag.png");
        page.console("error line");
        page.stoppedBy("error: it broke");
        assertEquals("""
                # Module 9: Test

                *lab09, started now*

                ## 9.1  A step

                The &lt;datadir> of a node.
                Second line.

                ```sh
                psql -c "SELECT 1"
                ```

                ```text
                ### Killed node "a"  (t=1.0s)
                   t=  2.0s  writes: 10 ok
                ```

                *result of a | query*

                | name | ms |
                | --- | --: |
                | a\\|b | 1.5 |
                | two<br>lines |  |

                | empty |
                | --- |

                *(0 rows)*

                ![lag](lag.png)

                ```text
                error line
                ```

                **error: it broke**
                """, Files.readString(file));
    }
}
