package labkit.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import labkit.notebook.Charts.Event;
import labkit.notebook.Charts.Series;
import labkit.measure.Audit;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

/** Every chart renders to a slide-sized PNG that decodes, shows its series' colours and its event markers. */
class ChartsTest {
    @TempDir
    Path dir;

    /** A run of 30 s sampled at 10 Hz: lag grows under load, the primary dies at 20 s. */
    static final List<Event> EVENTS = List.of(new Event(5, "workload starts"), new Event(20.0, "primary killed"),
            new Event(21.0, "standby promoted"));

    static double[] seconds(int n, double step) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i * step;
        }
        return x;
    }

    static double[] wave(int n, double base, double amplitude, long seed) {
        var random = new Random(seed);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = base + amplitude * (Math.sin(i / 10.0) + 1) + random.nextDouble() * amplitude / 2;
        }
        return y;
    }

    static Ledger ledger() {
        var ledger = new Ledger();
        long second = 1_000_000_000L;
        int key = 0;
        for (int s = 0; s < 30; s++) {
            int writes = s < 20 ? 200 : s < 22 ? 0 : 150;
            for (int i = 0; i < writes; i++) {
                long done = s * second + i * (second / writes);
                ledger.record(new Ledger.Write("k" + key++, done - 3_000_000, done - 2_000_000, done, Outcome.OK,
                        "postgres-primary", null));
            }
        }
        for (int i = 0; i < 40; i++) {
            long done = 20 * second + i * 40_000_000L;
            ledger.record(new Ledger.Write("k" + key++, done - 5_000_000, done - 4_000_000, done,
                    i < 8 ? Outcome.UNKNOWN : Outcome.FAILED, "postgres-primary", "connection refused"));
        }
        return ledger;
    }

    static Map<String, XYChart> charts() {
        int n = 300;
        double[] t = seconds(n, 0.1);
        var async = new Histogram(3_600_000_000L, 3);
        var sync = new Histogram(3_600_000_000L, 3);
        var random = new Random(1);
        for (int i = 0; i < 20_000; i++) {
            async.recordValue(800 + (long) (random.nextExponential() * 400));
            sync.recordValue(2_500 + (long) (random.nextExponential() * 900));
        }
        double[] behind = new double[n];
        for (int i = 0; i < n; i++) {
            behind[i] = i < 100 ? 0 : i < 200 ? (i - 100) * 300_000.0 : Math.max(0, 30e6 - (i - 200) * 600_000.0);
        }
        var charts = new LinkedHashMap<String, XYChart>();
        charts.put("lag", Charts.lag(List.of(new Series("replay lag", t, wave(n, 2, 6, 1)),
                new Series("write lag", t, wave(n, 0.5, 2, 2))), new Series("sent - replayed", t, wave(n, 0, 40_000, 3)),
                EVENTS));
        charts.put("throughput", Charts.throughput(ledger(), EVENTS));
        charts.put("latency", Charts.latencyPerSecond(List.of(
                new Charts.Percentiles("write", seconds(30, 1), wave(30, 1, 1, 4), wave(30, 5, 3, 5)),
                new Charts.Percentiles("read", seconds(30, 1), wave(30, 0.5, 0.5, 6), wave(30, 2, 2, 7))), EVENTS));
        var byMode = new LinkedHashMap<String, Histogram>();
        byMode.put("async", async);
        byMode.put("sync", sync);
        charts.put("percentiles", Charts.percentiles("Write latency: async vs sync", byMode, TimeUnit.MICROSECONDS));
        charts.put("write-timeline", Charts.writeTimeline(crashLedger(), lostAudit(), 20, EVENTS));
        charts.put("catchup", Charts.catchUp(new Series("bytes behind", t, behind),
                List.of(new Event(10, "standby stopped"), new Event(20, "standby started"))));
        return charts;
    }

    @Test
    void everyChartRendersASlideSizedPngThatIsNotBlank() throws Exception {
        for (var entry : charts().entrySet()) {
            Path png = Charts.save(entry.getValue(), dir.resolve("out/lab/" + entry.getKey() + ".png"));
            BufferedImage image = ImageIO.read(png.toFile());
            String name = entry.getKey();
            assertEquals(Charts.WIDTH, image.getWidth(), name);
            assertEquals(Charts.HEIGHT, image.getHeight(), name);
            long ink = 0;
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    if ((image.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
                        ink++;
                    }
                }
            }
            double share = ink / (double) (image.getWidth() * image.getHeight());
            assertTrue(share > 0.01 && share < 0.5, name + ": " + share + " of the pixels are not white");
        }
    }

    @Test
    void seriesColoursAndEventMarkersAreDrawn() throws Exception {
        BufferedImage throughput = render(Charts.throughput(ledger(), EVENTS));
        assertTrue(pixels(throughput, Charts.GREEN) > 500, "ok writes line");
        assertTrue(pixels(throughput, Charts.VERMILLION) > 100, "failed writes line");
        assertTrue(pixels(throughput, Charts.ORANGE) > 100, "unknown writes line");
        assertEquals(3, markerColumns(throughput), "one dashed line per event");

        var onlyOk = new Ledger();
        onlyOk.record(new Ledger.Write("a", 0, 0, 500_000_000L, Outcome.OK, "n", null));
        onlyOk.record(new Ledger.Write("b", 0, 0, 1_500_000_000L, Outcome.OK, "n", null));
        BufferedImage quiet = render(Charts.throughput(onlyOk, List.of()));
        assertEquals(0, pixels(quiet, Charts.VERMILLION), "no failed line when nothing failed");
        assertEquals(0, markerColumns(quiet));
    }

    /** The writes of {@link #ledger()} up to the crash at 20 s and the failures after it: lab02's story. */
    static Ledger crashLedger() {
        var ledger = new Ledger();
        ledger().writes().stream().filter(w -> w.doneNanos() < 20_000_000_000L || w.outcome() != Outcome.OK)
                .forEach(ledger::record);
        return ledger;
    }

    /** {@link #crashLedger()} audited as if the writes of its last 60 ms before the crash were lost. */
    static Audit.Result lostAudit() {
        var present = crashLedger().writes().stream().filter(w -> w.doneNanos() < 19_940_000_000L)
                .map(Ledger.Write::key).collect(java.util.stream.Collectors.toSet());
        return Audit.of(crashLedger(), present, 20_000_000_000L);
    }

    @Test
    void theWriteTimelineMarksTheLostWritesAndShadesTheRpoWindow() throws Exception {
        var audit = lostAudit();
        assertEquals(12, audit.lostAcked());
        BufferedImage withLoss = render(Charts.writeTimeline(crashLedger(), audit, 20, EVENTS));
        assertTrue(pixels(withLoss, Charts.PURPLE) > 100, "lost writes in their own colour");
        assertTrue(shaded(withLoss) > 2_000, "the RPO window is shaded");
        assertTrue(pixels(withLoss, Charts.GREEN) > 500, "acknowledged writes");

        var nothingLost = Audit.of(crashLedger(), keysOf(crashLedger()));
        BufferedImage noLoss = render(Charts.writeTimeline(crashLedger(), nothingLost, 20, EVENTS));
        assertEquals(0, pixels(noLoss, Charts.PURPLE), "nothing lost: no lost colour");
        assertEquals(0, shaded(noLoss), "nothing lost: no window");
    }

    private static java.util.Set<String> keysOf(Ledger ledger) {
        return ledger.writes().stream().map(Ledger.Write::key).collect(java.util.stream.Collectors.toSet());
    }

    /** Pixels of the window's translucent purple over the white plot. */
    private static long shaded(BufferedImage image) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                var c = new Color(image.getRGB(x, y));
                if (c.getRed() > 230 && c.getGreen() > 200 && c.getGreen() < 225 && c.getBlue() > 220 && c.getBlue() < 240) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void eventLabelsNeverOverlapEvenCloseInTimeAndAtTheRightEdge() {
        var metrics = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics()
                .getFontMetrics(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 18));
        int left = 100;
        int right = 1240;
        // lab04's end: "primary stopped" and "rejoined" close together near the right edge, and a window
        var labels = List.of(new EventMarkers.Label(300, "sync mode", true), new EventMarkers.Label(310, "async mode", true),
                new EventMarkers.Label(1150, "primary stopped", true), new EventMarkers.Label(1190, "standby promoted", true),
                new EventMarkers.Label(1230, "rejoined", true), new EventMarkers.Label(1150, "RPO 40 ms", false));
        var placed = EventMarkers.layout(labels, left, right, metrics);
        for (int i = 0; i < labels.size(); i++) {
            int x = placed.get(i).x();
            int w = metrics.stringWidth(labels.get(i).text());
            assertTrue(x >= left && x + w <= right, labels.get(i) + " leaves the plot: " + x);
            for (int j = 0; j < i; j++) {
                int xj = placed.get(j).x();
                int wj = metrics.stringWidth(labels.get(j).text());
                boolean sameRow = placed.get(i).row() == placed.get(j).row();
                assertTrue(!sameRow || x + w <= xj || xj + wj <= x,
                        labels.get(i).text() + " overlaps " + labels.get(j).text() + ": " + placed);
            }
        }
    }

    @Test
    void percentileAxisIsLabelledInNines() {
        assertEquals("0%", Charts.percentileLabel(1));
        assertEquals("90%", Charts.percentileLabel(10));
        assertEquals("99%", Charts.percentileLabel(100));
        assertEquals("99.9%", Charts.percentileLabel(1000));
        assertEquals("99.99%", Charts.percentileLabel(10000));
    }

    @Test
    void aSpanUnderAMinuteOfPerSecondValuesLabelsEveryFifthSecondOnly() {
        double[] x = new double[48];
        double[] y = new double[48];
        for (int i = 0; i < x.length; i++) {
            x[i] = 12 + i;
            y[i] = 200;
        }
        var chart = Charts.timeSeries("writes", "writes / s", List.of(new Series("ok", x, y)), List.of());
        var label = chart.getStyler().getXAxisTickLabelsFormattingFunction();
        assertEquals("15", label.apply(15.0));
        assertEquals("50", label.apply(50.0));
        var hidden = new java.util.HashSet<String>();
        for (double v : new double[] {12, 13, 14, 16, 49}) {
            String text = label.apply(v);
            assertTrue(text.chars().allMatch(c -> c == '\u200B' || c == '\u200C'), v + " is labelled: " + text);
            hidden.add(text);
        }
        assertEquals(5, hidden.size(), "XChart wants every label different");
        // a few seconds, or values that are not evenly spaced: XChart's own ticks
        assertEquals(null, Charts.timeSeries("t", "y", List.of(new Series("s", seconds(8, 1), seconds(8, 1))), List.of())
                .getStyler().getXAxisTickLabelsFormattingFunction());
        assertEquals(null, Charts.timeSeries("t", "y", List.of(new Series("s", new double[] {0, 1, 3, 30}, new double[4])),
                List.of()).getStyler().getXAxisTickLabelsFormattingFunction());
    }

    @Test
    void yAxesEndOnRoundNumbers() {
        assertEquals(1.0, Charts.roundUp(0.9));
        assertEquals(1.5, Charts.roundUp(1.2));
        assertEquals(2.0, Charts.roundUp(1.6));
        assertEquals(25.0, Charts.roundUp(20.5));
        assertEquals(30.0, Charts.roundUp(28.6));
        assertEquals(80.0, Charts.roundUp(61));
        assertEquals(100.0, Charts.roundUp(100));
        assertEquals(0.04, Charts.roundUp(0.031), 1e-12);
    }

    private BufferedImage render(XYChart chart) throws Exception {
        return ImageIO.read(Charts.save(chart, dir.resolve("chart.png")).toFile());
    }

    private static long pixels(BufferedImage image, Color color) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == (color.getRGB() & 0xFFFFFF)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Vertical marker lines: runs of columns with a tall dashed line in the marker colour. */
    private static int markerColumns(BufferedImage image) {
        int lines = 0;
        boolean inLine = false;
        for (int x = 0; x < image.getWidth(); x++) {
            int n = 0;
            for (int y = 0; y < image.getHeight(); y++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == (EventMarkers.COLOR.getRGB() & 0xFFFFFF)) {
                    n++;
                }
            }
            boolean line = n > image.getHeight() / 4;
            if (line && !inLine) {
                lines++;
            }
            inLine = line;
        }
        return lines;
    }
}
