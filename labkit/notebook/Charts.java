//DEPS org.knowm.xchart:xchart:4.0.3
//DEPS org.hdrhistogram:HdrHistogram:2.2.2
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SequencedMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import labkit.cluster.LabException;
import labkit.workload.Ledger;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendLayout;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.Styler.YAxisPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.Table;

/**
 * The charts of the labs, ready for a slide: 1280×720 PNG, large fonts, titles, axis titles with
 * units, a legend under the plot, and vertical event markers ("primary killed"). Labs pass
 * numbers and get a chart; they never touch an XChart Styler. Time axes are seconds since the
 * run's start, like every CSV of a lab.
 */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true"); // labs run in terminals and CI: no display
    }

    public static final int WIDTH = 1280;
    public static final int HEIGHT = 720;

    private static final String FONT = Font.SANS_SERIF;
    private static final Font TITLE = new Font(FONT, Font.BOLD, 30);
    private static final Font AXIS_TITLE = new Font(FONT, Font.PLAIN, 22);
    private static final Font TICKS = new Font(FONT, Font.PLAIN, 18);
    private static final Font LEGEND = new Font(FONT, Font.PLAIN, 20);
    private static final Font MARKER = new Font(FONT, Font.PLAIN, 18);

    /** Okabe–Ito colours: told apart by colour-blind readers and on a washed-out projector. */
    static final Color BLUE = new Color(0x0072B2);
    static final Color ORANGE = new Color(0xE69F00);
    static final Color GREEN = new Color(0x009E73);
    static final Color VERMILLION = new Color(0xD55E00);
    static final Color PURPLE = new Color(0xCC79A7);
    static final Color SKY = new Color(0x56B4E9);
    private static final Color[] PALETTE = {BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY};

    private Charts() {}

    /** A named line: x and y of the same length. */
    public record Series(String name, double[] x, double[] y) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series " + name + ": " + x.length + " x values, " + y.length + " y values");
            }
        }

        /** Two numeric columns of a measurement table, e.g. {@code Series.of("replay lag", lag, "t_s", "replay_lag_ms")}. */
        public static Series of(String name, Table table, String xColumn, String yColumn) {
            return new Series(name, table.numberColumn(xColumn).asDoubleArray(), table.numberColumn(yColumn).asDoubleArray());
        }
    }

    /** Something that happened during the run, at {@code seconds} since its start: drawn as a labelled vertical line. */
    public record Event(double seconds, String label) {}

    /** Latency percentiles of one operation per second: drawn in one colour, p50 solid and p99 dashed. */
    public record Percentiles(String operation, double[] seconds, double[] p50Ms, double[] p99Ms) {

        /** The p50/p99 of one operation ("write" or "read") of a {@link labkit.measure.Timeline#perSecond} table. */
        public static Percentiles of(Table perSecond, String operation) {
            return new Percentiles(operation, perSecond.numberColumn("second").asDoubleArray(),
                    perSecond.numberColumn(operation + "_p50_ms").asDoubleArray(),
                    perSecond.numberColumn(operation + "_p99_ms").asDoubleArray());
        }
    }

    /** (a) Replication lag over time, in ms (e.g. write/flush/replay lag), with events. */
    public static XYChart lag(List<Series> lagMs, List<Event> events) {
        return timeSeries("Replication lag", "lag (ms)", lagMs, events);
    }

    /** (a) Lag in ms on the left axis and how far behind the standby is, in bytes, on the right axis. */
    public static XYChart lag(List<Series> lagMs, Series bytesBehind, List<Event> events) {
        XYChart chart = lines("Replication lag", "lag (ms)", lagMs);
        Scaled behind = Scaled.bytes(bytesBehind);
        var series = chart.addSeries(behind.series.name() + " (" + behind.unit + ")", behind.series.x(), behind.series.y());
        series.setMarker(SeriesMarkers.NONE);
        series.setYAxisGroup(1);
        series.setLineStyle(dashed(2.5f));
        series.setLineColor(Color.GRAY);
        chart.setYAxisGroupTitle(1, behind.unit + " behind");
        chart.getStyler().setYAxisGroupPosition(1, YAxisPosition.Right);
        return finish(chart, events);
    }

    /** (b) Writes completed per second by outcome (ok, failed, unknown), from a ledger, with events. */
    public static XYChart throughput(Ledger ledger, List<Event> events) {
        Table perSecond = ledger.perSecond();
        XYChart chart = base("Writes per second", "time since start (s)", "writes / s");
        addOutcome(chart, perSecond, "ok", GREEN, true);
        addOutcome(chart, perSecond, "failed", VERMILLION, false);
        addOutcome(chart, perSecond, "unknown", ORANGE, false);
        return finish(chart, events);
    }

    /** Outcomes that never happened are left out, except ok, so the legend shows only what there is. */
    private static void addOutcome(XYChart chart, Table perSecond, String outcome, Color color, boolean always) {
        if (always || perSecond.intColumn(outcome).sum() > 0) {
            var s = Series.of(outcome, perSecond, "second", outcome);
            var xy = chart.addSeries(outcome, s.x(), s.y());
            xy.setMarker(SeriesMarkers.NONE);
            xy.setXYSeriesRenderStyle(XYSeriesRenderStyle.Step); // a count belongs to its whole second
            xy.setLineColor(color);
        }
    }

    /** (c) Latency percentiles per second of each operation (e.g. write and read), in ms, with events. */
    public static XYChart latencyPerSecond(List<Percentiles> operations, List<Event> events) {
        XYChart chart = base("Latency per second", "time since start (s)", "latency (ms)");
        for (int i = 0; i < operations.size(); i++) {
            Percentiles op = operations.get(i);
            Color color = PALETTE[i % PALETTE.length];
            var p50 = chart.addSeries(op.operation() + " p50", op.seconds(), op.p50Ms());
            p50.setMarker(SeriesMarkers.NONE);
            p50.setLineColor(color);
            var p99 = chart.addSeries(op.operation() + " p99", op.seconds(), op.p99Ms());
            p99.setMarker(SeriesMarkers.NONE);
            p99.setLineColor(color);
            p99.setLineStyle(dashed(2.5f));
        }
        return finish(chart, events);
    }

    /** (e) Catch-up: how far behind the standby is, in bytes (drawn in kB or MB), with events. */
    public static XYChart catchUp(Series bytesBehind, List<Event> events) {
        Scaled behind = Scaled.bytes(bytesBehind);
        return timeSeries("Standby catching up", behind.unit + " behind", List.of(behind.series), events);
    }

    /** Any measurement over the run's time, for what the named charts above do not cover. */
    public static XYChart timeSeries(String title, String yAxisTitle, List<Series> series, List<Event> events) {
        return finish(lines(title, yAxisTitle, series), events);
    }

    /**
     * A part of the run (one step of a lab): like {@link #timeSeries}, but the time axis spans the
     * series and events given instead of starting at the run's second 0.
     */
    public static XYChart window(String title, String yAxisTitle, List<Series> series, List<Event> events) {
        return finish(lines(title, yAxisTitle, series), events, Double.POSITIVE_INFINITY);
    }

    private static XYChart lines(String title, String yAxisTitle, List<Series> series) {
        XYChart chart = base(title, "time since start (s)", yAxisTitle);
        for (Series s : series) {
            chart.addSeries(s.name(), s.x(), s.y()).setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    private static BasicStroke dashed(float width) {
        return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {9f, 6f}, 0f);
    }

    /**
     * (d) Latency distribution as a percentile plot, the way HdrHistogram plots it: x is the
     * percentile on a scale where each decade is one more nine (0%, 90%, 99%, 99.9%, 99.99%), so
     * the tail gets as much room as the median. One line per histogram (e.g. async vs sync), in the map's order.
     *
     * @param recordedIn the unit the histograms' values were recorded in
     */
    public static XYChart percentiles(String title, SequencedMap<String, Histogram> histograms, TimeUnit recordedIn) {
        XYChart chart = base(title, "percentile", "latency (ms)");
        double msPerUnit = recordedIn.toNanos(1) / 1e6;
        int points = 400;
        for (var entry : histograms.entrySet()) {
            double[] x = new double[points];
            double[] y = new double[points];
            for (int i = 0; i < points; i++) {
                x[i] = Math.pow(10, NINES * i / (points - 1.0)); // 1 .. 10^NINES
                y[i] = entry.getValue().getValueAtPercentile(100 * (1 - 1 / x[i])) * msPerUnit;
            }
            chart.addSeries(entry.getKey(), x, y).setMarker(SeriesMarkers.NONE);
        }
        var styler = chart.getStyler();
        styler.setXAxisLogarithmic(true);
        styler.setXAxisLogarithmicDecadeOnly(true);
        styler.setXAxisMin(1.0);
        styler.setXAxisMax(Math.pow(10, NINES));
        styler.setLegendPosition(LegendPosition.InsideNW);
        styler.setLegendLayout(LegendLayout.Vertical);
        styler.setXAxisTickLabelsFormattingFunction(Charts::percentileLabel);
        fitYAxes(chart, 0);
        return chart;
    }

    /** The percentile plot goes to 99.99%: beyond that a lab's few thousand writes say nothing. */
    private static final int NINES = 4;

    /** x = 1 / (1 - p): 1 → "0%", 10 → "90%", 100 → "99%", 1000 → "99.9%". */
    static String percentileLabel(double x) {
        var format = new DecimalFormat("0.####", DecimalFormatSymbols.getInstance(Locale.ROOT));
        return format.format(100 * (1 - 1 / x)) + "%";
    }

    /** Writes the chart as a PNG of {@link #WIDTH}×{@link #HEIGHT}, creating folders; returns the file. */
    public static Path save(XYChart chart, Path png) {
        try {
            if (png.getParent() != null) {
                Files.createDirectories(png.getParent());
            }
            ImageIO.write(BitmapEncoder.getBufferedImage(chart), "png", png.toFile());
            return png;
        } catch (IOException e) {
            throw new LabException("cannot write the chart " + png + ": " + e.getMessage(), e);
        }
    }

    private static XYChart base(String title, String xAxisTitle, String yAxisTitle) {
        XYChart chart = new XYChart(WIDTH, HEIGHT);
        chart.setTitle(title);
        chart.setXAxisTitle(xAxisTitle);
        chart.setYAxisTitle(yAxisTitle);
        var s = chart.getStyler();
        s.setChartTitleFont(TITLE);
        s.setAxisTitleFont(AXIS_TITLE);
        s.setAxisTickLabelsFont(TICKS);
        s.setLegendFont(LEGEND);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(Color.DARK_GRAY);
        s.setPlotGridLinesColor(new Color(0xDDDDDD));
        s.setChartTitleBoxVisible(false);
        s.setLegendPosition(LegendPosition.OutsideS);
        s.setLegendLayout(LegendLayout.Horizontal);
        s.setLegendBorderColor(Color.WHITE);
        s.setLegendSeriesLineLength(40);
        s.setChartPadding(16);
        s.setSeriesColors(PALETTE);
        s.setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
        s.setMarkerSize(0);
        s.setYAxisTickMarkSpacingHint(60);
        s.setAntiAlias(true);
        s.setXAxisDecimalPattern("0.#");
        return chart;
    }

    /**
     * Shows every event on the x axis, lays their markers out in rows so that labels of events
     * close in time do not overlap, and ends each y axis at a round number above the data with
     * room for those rows, so labels sit above the curves.
     */
    private static XYChart finish(XYChart chart, List<Event> events) {
        return finish(chart, events, 0);
    }

    /** {@code from}: where the time axis starts at the latest (0 for a whole run). */
    private static XYChart finish(XYChart chart, List<Event> events, double from) {
        double min = from;
        double max = Double.NEGATIVE_INFINITY;
        for (var s : chart.getSeriesCollection()) {
            min = Math.min(min, s.getXMin());
            max = Math.max(max, s.getXMax());
        }
        for (Event e : events) {
            min = Math.min(min, e.seconds());
            max = Math.max(max, e.seconds());
        }
        int rows = 0;
        if (max > min) {
            chart.getStyler().setXAxisMin(min);
            chart.getStyler().setXAxisMax(max);
            // a label's width in seconds: about 11 px per character on a plot about 1100 px wide
            double secondsPerChar = (max - min) * 11 / 1100;
            // each row holds the [from, to] spans its labels take; a label near the right edge is
            // drawn to the left of its line (ChartMarker), so its span is on that side
            var rowSpans = new ArrayList<List<double[]>>();
            for (Event e : events.stream().sorted(Comparator.comparingDouble(Event::seconds)).toList()) {
                double width = (e.label().length() + 2) * secondsPerChar;
                double[] span = e.seconds() + width <= max ? new double[] {e.seconds(), e.seconds() + width}
                        : new double[] {e.seconds() - width, e.seconds()};
                int row = 0;
                while (row < rowSpans.size() && rowSpans.get(row).stream().anyMatch(t -> t[0] < span[1] && span[0] < t[1])) {
                    row++;
                }
                if (row == rowSpans.size()) {
                    rowSpans.add(new ArrayList<>());
                }
                rowSpans.get(row).add(span);
                chart.addAnnotation(new ChartMarker(e.seconds(), e.label(), row, MARKER));
            }
            rows = rowSpans.size();
        }
        fitYAxes(chart, rows);
        return chart;
    }

    /** Each label row takes about 5% of the plot's height (an 18 pt line on a ~540 px plot). */
    private static void fitYAxes(XYChart chart, int labelRows) {
        double room = 1 / (1 - 0.055 * labelRows);
        var maxByGroup = new java.util.TreeMap<Integer, Double>();
        for (var s : chart.getSeriesCollection()) {
            maxByGroup.merge(s.getYAxisGroup(), s.getYMax(), Math::max);
        }
        maxByGroup.forEach((group, max) -> {
            chart.getStyler().setYAxisMin(group, 0.0);
            chart.getStyler().setYAxisMax(group, max > 0 ? roundUp(max * room) : 1.0);
        });
    }

    /** The next round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k), so that the axis ticks are round too. */
    static double roundUp(double v) {
        double decade = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (step * decade >= v * (1 - 1e-12)) {
                return step * decade;
            }
        }
        return 10 * decade;
    }

    /** Bytes shown in kB or MB, whichever keeps the axis numbers short. */
    private record Scaled(Series series, String unit) {
        static Scaled bytes(Series s) {
            double max = 0;
            for (double v : s.y()) {
                max = Math.max(max, v);
            }
            double divisor = max >= 10 * 1024 * 1024 ? 1024 * 1024 : 1024;
            double[] y = new double[s.y().length];
            for (int i = 0; i < y.length; i++) {
                y[i] = s.y()[i] / divisor;
            }
            return new Scaled(new Series(s.name(), s.x(), y), divisor > 1024 ? "MB" : "kB");
        }
    }
}
