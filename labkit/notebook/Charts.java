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
import java.util.List;
import java.util.Locale;
import java.util.SequencedMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import labkit.cluster.LabException;
import labkit.measure.Audit;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
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

    /**
     * (f) Every write completed in the two seconds around {@code faultSeconds}, as a dot at its
     * completion time and latency (a log scale, so that a 2 ms commit and a 5 s timeout both show):
     * acknowledged, acknowledged but LOST (their own colour and shape), unknown, failed; and the RPO
     * window shaded, from the newest surviving acknowledged write to the newest acknowledged one.
     */
    public static XYChart writeTimeline(Ledger ledger, Audit.Result audit, double faultSeconds, List<Event> events) {
        double fromSeconds = faultSeconds - 1;
        double toSeconds = faultSeconds + 1; // a 50 ms RPO window is then ~30 px wide
        XYChart chart = base("Writes around the failure", "time since start (s)", "latency (ms, log scale)");
        Set<String> lost = audit.lost().stream().map(Ledger.Write::key).collect(Collectors.toSet());
        var shown = ledger.writes().stream()
                .filter(w -> w.doneNanos() / 1e9 >= fromSeconds && w.doneNanos() / 1e9 <= toSeconds).toList();
        addDots(chart, "acknowledged", shown.stream()
                .filter(w -> w.outcome() == Outcome.OK && !lost.contains(w.key())).toList(), GREEN, SeriesMarkers.CIRCLE);
        addDots(chart, "unknown", shown.stream().filter(w -> w.outcome() == Outcome.UNKNOWN).toList(), ORANGE,
                SeriesMarkers.CIRCLE);
        addDots(chart, "failed", shown.stream().filter(w -> w.outcome() == Outcome.FAILED).toList(), VERMILLION,
                SeriesMarkers.CIRCLE);
        addDots(chart, "acknowledged, then LOST", shown.stream().filter(w -> lost.contains(w.key())).toList(), PURPLE,
                SeriesMarkers.DIAMOND);
        var styler = chart.getStyler();
        styler.setMarkerSize(9);
        styler.setXAxisMin(fromSeconds);
        styler.setXAxisMax(toSeconds);
        double[] rpo = audit.rpoWindowSeconds();
        List<EventMarkers.Window> windows = rpo == null ? List.of()
                : List.of(new EventMarkers.Window(rpo[0], rpo[1], String.format(Locale.ROOT, "RPO %.0f ms", audit.rpoMs()),
                        PURPLE));
        styler.setLegendPadding(24); // a dot needs room from the name before it
        var shownEvents = events.stream().filter(e -> e.seconds() >= fromSeconds && e.seconds() <= toSeconds).toList();
        finish(chart, shownEvents, windows);
        logYAxis(chart, labelRows(shownEvents, windows, fromSeconds, styler.getXAxisMax()));
        return chart;
    }

    private static void addDots(XYChart chart, String name, List<Ledger.Write> writes, Color color,
                                org.knowm.xchart.style.markers.Marker marker) {
        if (writes.isEmpty()) {
            return; // XChart draws no empty series; the legend shows what there is
        }
        double[] x = writes.stream().mapToDouble(w -> w.doneNanos() / 1e9).toArray();
        double[] y = writes.stream().mapToDouble(w -> Math.max(0.01, w.latencyMs())).toArray();
        var series = chart.addSeries(name, x, y);
        series.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
        series.setMarker(marker);
        series.setMarkerColor(color);
    }

    /** A log y axis from the decade below the data to above it, with the top band left for label rows. */
    private static void logYAxis(XYChart chart, int labelRows) {
        double low = Double.POSITIVE_INFINITY;
        double high = 0;
        for (var s : chart.getSeriesCollection()) {
            low = Math.min(low, s.getYMin());
            high = Math.max(high, s.getYMax());
        }
        if (high <= 0) {
            return;
        }
        double bottom = Math.pow(10, Math.floor(Math.log10(low)));
        double top = Math.pow(10, Math.ceil(Math.log10(high * 1.01)));
        double share = 0.055 * labelRows; // of the height, in decades: a label row takes that share of them
        double decades = Math.log10(top / bottom);
        var styler = chart.getStyler();
        styler.setYAxisLogarithmic(true);
        styler.setYAxisMin(0, bottom); // the group 0 bounds fitYAxes set, not the linear ones
        styler.setYAxisMax(0, bottom * Math.pow(10, decades / (1 - share)));
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

    /** (e) Catch-up of several standbys (or of one node in several roles), in bytes, in one unit (kB or MB). */
    public static XYChart catchUp(String title, List<Series> bytesBehind, List<Event> events) {
        String unit = Scaled.unitFor(bytesBehind.stream().flatMapToDouble(s -> java.util.Arrays.stream(s.y())).max().orElse(0));
        var scaled = bytesBehind.stream().map(s -> Scaled.bytes(s, unit).series).toList();
        return timeSeries(title, unit + " behind", scaled, events);
    }

    /** Any measurement over the run's time, for what the named charts above do not cover. */
    public static XYChart timeSeries(String title, String yAxisTitle, List<Series> series, List<Event> events) {
        return finish(lines(title, yAxisTitle, series), events);
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

    /**
     * (f) One bar per category (e.g. an anomaly's rate with no fix, then with each fix), its value
     * written on it. A category's label gets the width of its bar: about 18 characters.
     */
    public static CategoryChart bars(String title, String yAxisTitle, List<String> categories, List<Double> values) {
        var chart = new CategoryChart(WIDTH, HEIGHT);
        chart.setTitle(title);
        chart.setYAxisTitle(yAxisTitle);
        var s = chart.getStyler();
        style(s);
        s.setAxisTickLabelsFont(CATEGORIES);
        s.setLegendVisible(false);
        s.setLabelsVisible(true);
        s.setLabelsFont(CATEGORIES);
        s.setLabelsFontColorAutomaticEnabled(false);
        s.setLabelsFontColor(Color.BLACK);
        s.setYAxisDecimalPattern("0.#");
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        s.setYAxisMin(0.0);
        s.setYAxisMax(max > 0 ? roundUp(max * 1.1) : 1.0);
        chart.addSeries(yAxisTitle, categories, values).setFillColor(SKY); // light enough for black labels
        return chart;
    }

    private static final Font CATEGORIES = new Font(FONT, Font.PLAIN, 16);

    /** Writes the chart as a PNG of {@link #WIDTH}×{@link #HEIGHT}, creating folders; returns the file. */
    public static Path save(Chart<?, ?> chart, Path png) {
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
        style(s);
        s.setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
        s.setMarkerSize(0);
        s.setXAxisDecimalPattern("0.#");
        return chart;
    }

    /** What every chart shares: fonts, white backgrounds, the palette, the legend under the plot. */
    private static void style(AxesChartStyler s) {
        s.setChartTitleFont(TITLE);
        s.setAxisTitleFont(AXIS_TITLE);
        s.setAxisTickLabelsFont(TICKS);
        s.setLegendFont(LEGEND);
        whitePlot(s);
        s.setLegendPosition(LegendPosition.OutsideS);
        s.setLegendLayout(LegendLayout.Horizontal);
        s.setLegendSeriesLineLength(40);
        s.setChartPadding(16);
        s.setSeriesColors(PALETTE);
        s.setYAxisTickMarkSpacingHint(60);
        s.setAntiAlias(true);
    }

    /** The kit's plain look, shared by its line charts and BarPanels: white, a dark border, light grid lines. */
    static void whitePlot(AxesChartStyler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderColor(Color.DARK_GRAY);
        s.setPlotGridLinesColor(new Color(0xDDDDDD));
        s.setChartTitleBoxVisible(false);
        s.setLegendBorderColor(Color.WHITE);
    }

    private static XYChart finish(XYChart chart, List<Event> events) {
        return finish(chart, events, List.of());
    }

    /**
     * Shows every event and window on the x axis, marks them (EventMarkers lays their labels out
     * in rows when the chart is drawn), and ends each y axis at a round number above the data
     * with room for those rows, so that labels sit above the curves.
     */
    private static XYChart finish(XYChart chart, List<Event> events, List<EventMarkers.Window> windows) {
        // from the first data or event on: the lab's setup before its workload is no part of a chart
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (var s : chart.getSeriesCollection()) {
            min = Math.min(min, s.getXMin());
            max = Math.max(max, s.getXMax());
        }
        if (chart.getStyler().getXAxisMin() != null) { // a chart of part of the run (a zoom) set its range
            min = chart.getStyler().getXAxisMin();
            max = chart.getStyler().getXAxisMax();
        }
        for (Event e : events) {
            min = Math.min(min, e.seconds());
            max = Math.max(max, e.seconds());
        }
        for (var w : windows) {
            max = Math.max(max, w.to());
        }
        int rows = 0;
        if (max > min) {
            chart.getStyler().setXAxisMin(min);
            chart.getStyler().setXAxisMax(max);
            thinXAxisLabels(chart, max - min);
            chart.addAnnotation(new EventMarkers(events, windows, MARKER));
            rows = labelRows(events, windows, min, max);
        }
        fitYAxes(chart, rows);
        return chart;
    }

    /** At most this many labels on a time axis: four-digit seconds at the tick font stay apart. */
    private static final int MAX_X_LABELS = 12;
    /** More evenly spaced values than this, and XChart's labels cannot fit one per value: it thins them itself. */
    private static final int MANY_X_VALUES = 100;

    /**
     * When the x values are evenly spaced (one per second), XChart puts a tick at every value and
     * labels each one, even when a minute's worth of labels run into each other, and its styler has
     * no setting against it. On spans of 12 s and more (up to a hundred values), only the multiples
     * of a 1-2-5 step keep their number; the other ticks stay as grid lines with an invisible label
     * (XChart wants every label different: the value's rank, in zero-width characters).
     */
    private static void thinXAxisLabels(XYChart chart, double span) {
        var values = new ArrayList<Double>(new java.util.TreeSet<>(chart.getSeriesCollection().stream()
                .flatMapToDouble(series -> java.util.Arrays.stream(series.getXData())).boxed().toList()));
        if (span < MAX_X_LABELS || values.size() > MANY_X_VALUES || !evenlySpaced(values)) {
            return; // XChart's own ticks then come in round steps, or its labels could not fit one per value
        }
        double step = 1;
        for (int i = 0; span / step > MAX_X_LABELS; i++) {
            step = new double[] {2, 5, 10}[i % 3] * Math.pow(10, i / 3);
        }
        var format = new DecimalFormat("0.#", DecimalFormatSymbols.getInstance(Locale.ROOT));
        double labelEvery = step;
        chart.getStyler().setXAxisTickLabelsFormattingFunction(v -> Math.abs(v / labelEvery - Math.rint(v / labelEvery)) < 1e-6
                ? format.format(v) : invisible(Math.abs(java.util.Collections.binarySearch(values, v))));
    }

    /** A label no one sees, different for each rank: the rank in binary, written with two zero-width characters. */
    private static String invisible(int rank) {
        return Integer.toBinaryString(rank).replace('0', '\u200B').replace('1', '\u200C');
    }

    private static boolean evenlySpaced(List<Double> sorted) {
        for (int i = 2; i < sorted.size(); i++) {
            double first = sorted.get(1) - sorted.get(0);
            if (Math.abs(sorted.get(i) - sorted.get(i - 1) - first) > first * 1e-6) {
                return false;
            }
        }
        return sorted.size() > 2;
    }

    /**
     * How many label rows the markers will take, from the same layout on a plot of the usual
     * width (its real width is known only when XChart draws it): the room the y axes leave.
     */
    private static int labelRows(List<Event> events, List<EventMarkers.Window> windows, double min, double max) {
        int left = 110;
        int right = WIDTH - 40;
        var labels = new ArrayList<EventMarkers.Label>();
        for (var w : windows) {
            labels.add(new EventMarkers.Label(left + (int) ((w.from() - min) / (max - min) * (right - left)), w.label(), false));
        }
        for (Event e : events) {
            labels.add(new EventMarkers.Label(left + (int) ((e.seconds() - min) / (max - min) * (right - left)), e.label(), true));
        }
        var g = new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            return EventMarkers.layout(labels, left, right, g.getFontMetrics(MARKER)).stream()
                    .mapToInt(p -> p.row() + 1).max().orElse(0);
        } finally {
            g.dispose();
        }
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
            return bytes(s, unitFor(max));
        }

        static String unitFor(double maxBytes) {
            return maxBytes >= 10 * 1024 * 1024 ? "MB" : "kB";
        }

        static Scaled bytes(Series s, String unit) {
            double divisor = unit.equals("MB") ? 1024 * 1024 : 1024;
            double[] y = new double[s.y().length];
            for (int i = 0; i < y.length; i++) {
                y[i] = s.y()[i] / divisor;
            }
            return new Scaled(new Series(s.name(), s.x(), y), unit);
        }
    }
}
