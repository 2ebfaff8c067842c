//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * out/&lt;lab&gt;/report.md: the run as a Markdown page an instructor pastes into slides and that renders
 * on a Git forge as it is. Steps are headings, the narrative paragraphs, commands shell blocks,
 * tables Markdown tables, what the console showed (events, results, live lines) text blocks, the
 * plots images with links relative to the page.
 *
 * <p>Each part is appended as the lab prints it, so a run that fails or is interrupted still leaves
 * its page up to that point, ending with the line that says why it stopped. A page that cannot be
 * written costs a warning, never the run: the measurements matter more than their page.
 */
final class ReportPage {
    private final Path file;
    private boolean inConsoleBlock;
    private boolean broken;

    ReportPage(Path file, String title, String subtitle) {
        this.file = file;
        try {
            Files.writeString(file, "# " + title + "\n\n*" + subtitle + "*\n");
        } catch (IOException e) {
            warn(e);
        }
    }

    Path file() {
        return file;
    }

    void step(String heading) {
        block("## " + heading);
    }

    /** A paragraph; a {@code <} would open an HTML tag that the forge then hides ({@code <datadir>}). */
    void narrative(String text) {
        block(text.strip().lines().map(String::strip).collect(Collectors.joining("\n")).replace("<", "&lt;"));
    }

    void command(String text) {
        block("```sh\n" + text + "\n```");
    }

    /** A line the console showed: consecutive lines share one text block, aligned as printed. */
    void console(String line) {
        append(inConsoleBlock ? line + "\n" : "\n```text\n" + line + "\n");
        inConsoleBlock = true;
    }

    void table(Table table) {
        var md = new StringBuilder();
        if (!table.name().isBlank()) {
            md.append('*').append(table.name()).append("*\n\n");
        }
        List<Column<?>> columns = table.columns();
        var header = new ArrayList<String>();
        var rule = new ArrayList<String>();
        for (Column<?> c : columns) {
            header.add(cell(c.name()));
            rule.add(c instanceof NumericColumn<?> ? "--:" : "---");
        }
        md.append(row(header)).append('\n').append(row(rule));
        for (int r = 0; r < table.rowCount(); r++) {
            var cells = new ArrayList<String>();
            for (Column<?> c : columns) {
                cells.add(cell(c.getString(r)));
            }
            md.append('\n').append(row(cells));
        }
        if (table.rowCount() == 0) {
            md.append("\n\n*(0 rows)*");
        }
        block(md.toString());
    }

    /** An image next to the page (a plot the lab saved in its out folder). */
    void image(String relativePath) {
        String name = relativePath.replaceFirst("\\.[^.]+$", "");
        block("![" + name + "](" + relativePath + ")");
    }

    /** Why the run stopped early: the error line the console showed. */
    void stoppedBy(String line) {
        block("**" + line + "**");
    }

    private static String row(List<String> cells) {
        return "| " + String.join(" | ", cells) + " |";
    }

    /** A table cell: a pipe would end it and a newline the row (pg_read_file of a history file has several). */
    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>");
    }

    /** A part of its own: a blank line before it, and the console block before it closed. */
    private void block(String text) {
        append((inConsoleBlock ? "```\n" : "") + "\n" + text + "\n");
        inConsoleBlock = false;
    }

    private void append(String text) {
        if (broken) {
            return;
        }
        try {
            Files.writeString(file, text, StandardOpenOption.APPEND);
        } catch (IOException e) {
            warn(e);
        }
    }

    private void warn(IOException e) {
        broken = true;
        System.err.println("warning: cannot write " + file + " (" + e.getMessage() + "): the run goes on without its report.md");
    }
}
