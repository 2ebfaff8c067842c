package labkit.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import labkit.measure.History;
import labkit.measure.Op;
import labkit.measure.Op.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's numbers are the checker's, under the names summary.json promises; its chart has a bar per fix. */
class AnomalyReportTest {
    @TempDir Path dir;

    static final long MS = 1_000_000;

    /** c1 writes version 2 (acknowledged at 10 ms), then reads twice from {@code node}: first {@code first}, then 2. */
    static History afterWrite(String name, String node, long first) {
        var h = new History(name, 0);
        h.add(Op.write("c1", "customer:1", 2, "postgres-primary", 0, 10 * MS, Outcome.OK, null));
        h.add(Op.read("c1", "customer:1", first, node, 11 * MS, 12 * MS, Outcome.OK, null));
        h.add(Op.read("c1", "customer:1", 2L, node, 13 * MS, 17 * MS, Outcome.OK, null));
        return h;
    }

    @Test
    void summaryFieldsAreTheCheckersCountsAndTheLatencies() {
        var report = new AnomalyReport("Read-after-write", AnomalyReport.Anomaly.STALE_READ);
        report.add("none", "no fix", afterWrite("raw.none", "postgres-standby", 1));
        report.add("routing", "routing", afterWrite("raw.routing", "postgres-primary", 2));
        var json = report.json();

        var none = json.path("none");
        assertEquals(2, none.path("reads").asLong());
        assertEquals(1, none.path("staleReads").asLong());
        assertEquals(0.5, none.path("staleRate").asDouble());
        assertEquals(0.5, none.path("readYourWritesRate").asDouble());
        assertEquals("c1 wrote customer:1=2 on postgres-primary (done at 0.010 s), then c1 read customer:1=1 from "
                + "postgres-standby 1.0 ms later", none.path("example").asText());
        assertEquals(2, none.path("readsByNode").path("postgres-standby").asLong());
        // HdrHistogram keeps three significant digits
        assertEquals(1.0, none.path("latency").path("read").path("p50Ms").asDouble(), 0.01);
        assertEquals(4.0, none.path("latency").path("read").path("p90Ms").asDouble(), 0.01);
        assertEquals(10.0, none.path("latency").path("write").path("p50Ms").asDouble(), 0.02);

        var routing = json.path("routing");
        assertEquals(0.0, routing.path("staleRate").asDouble());
        assertTrue(routing.path("example").isNull(), routing.toString());
        assertEquals(2, routing.path("readsByNode").path("postgres-primary").asLong());

        var table = report.table();
        assertEquals(2, table.rowCount());
        assertEquals(50.0, table.doubleColumn("%").get(0));
        assertEquals(0.0, table.doubleColumn("%").get(1));
        assertEquals(2, table.intColumn("reads on primary").get(1));
    }

    @Test
    void monotonicReadsAreReportedAsTheirViolationRate() {
        var h = new History("mono", 0);
        h.add(Op.read("r1", "customer:1", 5L, "postgres-standby", 0, MS, Outcome.OK, null));
        h.add(Op.read("r1", "customer:1", 3L, "postgres-standby2", 2 * MS, 3 * MS, Outcome.OK, null));
        h.add(Op.read("r1", "customer:1", 5L, "postgres-standby", 4 * MS, 5 * MS, Outcome.OK, null));
        var report = new AnomalyReport("Monotonic reads", AnomalyReport.Anomaly.NON_MONOTONIC_READ);
        report.add("none", "load balancer", h);
        var none = report.json().path("none");
        assertEquals(1, none.path("nonMonotonicReads").asLong());
        assertEquals(0.5, none.path("violationRate").asDouble(), "one of the two reads after a first one");
        assertTrue(none.path("latency").path("write").isNull(), "no writes: not measured, not 0");
    }

    @Test
    void theChartHasABarForEachFixWithReadsAndNoneForAFixWithout() throws Exception {
        var report = new AnomalyReport("Read-after-write", AnomalyReport.Anomaly.STALE_READ);
        report.add("none", "no fix", afterWrite("raw.none", "postgres-standby", 1));
        report.add("empty", "no reads", new History("raw.empty", 0));
        Path png = Charts.save(report.chart(), dir.resolve("bars.png"));
        var image = ImageIO.read(png.toFile());
        assertEquals(Charts.WIDTH, image.getWidth());
        assertEquals(Charts.HEIGHT, image.getHeight());
        long bar = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                bar += image.getRGB(x, y) == Charts.SKY.getRGB() ? 1 : 0;
            }
        }
        assertTrue(bar > 50_000, "the 50 % bar takes a good part of the plot: " + bar + " pixels");
        assertEquals(1, report.chart().getSeriesCollection().iterator().next().getXData().size(),
                "the fix without reads has no rate, so no bar");
    }
}
