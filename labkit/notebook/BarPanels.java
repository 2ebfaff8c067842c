//DEPS org.knowm.xchart:xchart:4.0.3
package labkit.notebook;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SequencedMap;
import javax.imageio.ImageIO;
import labkit.cluster.LabException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * Several bar charts over the same categories in one slide-sized PNG (1280×720, two by two):
 * one quantity per panel, each with its own unit, so that things measured in bytes and in
 * milliseconds sit side by side. A missing value (null, "not measured") draws no bar.
 */
public final class BarPanels {
    private static final int COLUMNS = 2;
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
    private static final Font AXIS = new Font(Font.SANS_SERIF, Font.PLAIN, 15);
    private static final Font TICKS = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    private static final Font LABELS = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Color[] COLORS = {Charts.BLUE, Charts.ORANGE, Charts.GREEN, Charts.VERMILLION};

    private BarPanels() {}

    /**
     * One panel: {@code series} maps a series name (e.g. "p50") to one value per category, or
     * null where nothing was measured. {@code logarithmic} suits values spanning decades (lag).
     */
    public record Panel(String title, String yAxisTitle, SequencedMap<String, List<Double>> series, boolean logarithmic) {}

    /** Draws up to four panels over {@code categories} and writes them as one PNG; returns the file. */
    public static Path save(List<String> categories, List<Panel> panels, Path png) {
        if (panels.isEmpty() || panels.size() > 4) {
            throw new IllegalArgumentException("1 to 4 panels, got " + panels.size());
        }
        int width = Charts.WIDTH / COLUMNS;
        int height = Charts.HEIGHT / 2;
        var image = new BufferedImage(Charts.WIDTH, Charts.HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, Charts.WIDTH, Charts.HEIGHT);
        for (int i = 0; i < panels.size(); i++) {
            var chart = chart(categories, panels.get(i), width, height);
            g.drawImage(BitmapEncoder.getBufferedImage(chart), (i % COLUMNS) * width, (i / COLUMNS) * height, null);
        }
        g.dispose();
        try {
            if (png.getParent() != null) {
                Files.createDirectories(png.getParent());
            }
            ImageIO.write(image, "png", png.toFile());
            return png;
        } catch (IOException e) {
            throw new LabException("cannot write the chart " + png + ": " + e.getMessage(), e);
        }
    }

    private static CategoryChart chart(List<String> categories, Panel panel, int width, int height) {
        var chart = new CategoryChart(width, height);
        chart.setTitle(panel.title());
        chart.setYAxisTitle(panel.yAxisTitle());
        var s = chart.getStyler();
        s.setChartTitleFont(TITLE);
        s.setAxisTitleFont(AXIS);
        s.setAxisTickLabelsFont(TICKS);
        s.setLegendFont(TICKS);
        Charts.whitePlot(s);
        s.setLegendPosition(LegendPosition.InsideNW);
        s.setLegendVisible(panel.series().size() > 1);
        s.setSeriesColors(COLORS);
        s.setChartPadding(10);
        s.setLabelsVisible(true);
        s.setLabelsFont(LABELS);
        s.setYAxisDecimalPattern("#,##0.#");
        if (panel.logarithmic()) {
            // bars grow from the axis' minimum, which a logarithmic axis cannot put at 0: a decade below the data
            double min = panel.series().values().stream().flatMap(List::stream).filter(v -> v != null && v > 0)
                    .mapToDouble(Double::doubleValue).min().orElse(1);
            s.setYAxisLogarithmic(true);
            s.setYAxisMin(Math.pow(10, Math.floor(Math.log10(min))));
        }
        s.setAntiAlias(true);
        panel.series().forEach((name, values) -> {
            if (values.size() != categories.size()) {
                throw new IllegalArgumentException(panel.title() + " / " + name + ": " + values.size() + " values for "
                        + categories.size() + " categories");
            }
            // XChart draws no bar for a null value; a logarithmic axis cannot show 0 either
            List<Double> shown = values.stream().map(v -> v == null || (panel.logarithmic() && v <= 0) ? null : v).toList();
            chart.addSeries(name, categories, shown);
        });
        return chart;
    }
}
