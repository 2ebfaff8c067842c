package labkit.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import org.junit.jupiter.api.io.TempDir;

/** The comparison table and chart read the mechanisms' summary sections; what was not measured says so. */
class MechanismReportTest {
    @TempDir Path out;

    private static ObjectNode sections() throws Exception {
        return (ObjectNode) new ObjectMapper().readTree("""
                {"physical": {"bytesPer1000Writes": 1194598, "leaderWalBytesPer1000Writes": 1025945,
                              "writeLatency": {"p50Ms": 1.2, "p90Ms": 2.5, "overheadP50Ms": -0.1, "overheadP90Ms": 0.3},
                              "lagMs": {"p50": 1.3, "p90": 4.2}, "crossVersion": {"works": false},
                              "ddlReplicated": true, "sequencesReplicated": true, "nondeterministicSafe": true},
                 "trigger":  {"bytesPer1000Writes": null, "writeLatency": {"p50Ms": null},
                              "lagMs": {"p50": 319.5, "p90": 563.2}, "crossVersion": {"works": true}}}""");
    }

    @Test
    void theTableShowsWhatWasMeasuredAndSaysWhatWasNot() throws Exception {
        var table = MechanismReport.table(sections(), List.of("physical", "trigger"));
        assertEquals(2, table.rowCount());
        assertEquals("1,166.6 kB", table.getString(0, "bytes/1000 writes"));
        assertEquals("1.2 / 2.5", table.getString(0, "write p50/p90 ms"));
        assertEquals("-0.1 / 0.3", table.getString(0, "overhead p50/p90 ms"));
        assertEquals("no", table.getString(0, "across majors"));
        assertEquals("not measured", table.getString(1, "bytes/1000 writes"));
        assertEquals("— / —", table.getString(1, "write p50/p90 ms"));
        assertEquals("not tried", table.getString(1, "DDL"));
        assertEquals("yes", table.getString(1, "across majors"));
    }

    @Test
    void theHeadlineSaysWhatWasNotMeasuredInsteadOfZeroOrNaN() {
        var mechanisms = new ObjectMapper().createObjectNode();
        mechanisms.putObject("physical").put("leaderWalBytesPer1000Writes", 1_000_000).putObject("lagMs").put("p50", 0.9);
        mechanisms.putObject("trigger").putObject("lagMs").putNull("p50"); // no WAL figure, no lag sample
        String headline = MechanismReport.headline(mechanisms);
        assertTrue(headline.contains("wrote (not measured) times the WAL"), headline);
        assertTrue(headline.contains("a write (not measured) after its commit"), headline);
        assertTrue(headline.contains("the physical standby 0.9 ms"), headline);
        assertFalse(headline.contains("NaN") || headline.contains("Infinity") || headline.contains(" 0 ms"), headline);
        assertTrue(headline.contains("random() values that were not compared"), headline);
    }

    @Test
    void theChartIsOneSlideEvenWithGapsAndALogarithmicPanel() throws Exception {
        var png = MechanismReport.chart(sections(), List.of("physical", "trigger"), out.resolve("mechanisms.png"));
        var image = ImageIO.read(png.toFile());
        assertNotNull(image);
        assertEquals(Charts.WIDTH, image.getWidth());
        assertEquals(Charts.HEIGHT, image.getHeight());
    }

    @Test
    void aFollowerIsSafeFromNonDeterministicFunctionsOnlyWhenEveryValueEqualsTheLeaders() {
        var rows = Table.create("probe", StringColumn.create("node", "postgres-primary", "postgres-standby", "postgres-statement"),
                StringColumn.create("feeds it", "(the leader)", "physical", "statement"),
                StringColumn.create("random", "0.25", "0.25", "0.75"),
                StringColumn.create("clock_timestamp", "12:00:00.001", "12:00:00.001", "12:00:00.002"),
                StringColumn.create("now", "12:00", "12:00", "12:00"));
        var mechanisms = new ObjectMapper().createObjectNode();
        MechanismReport.nondeterministic(mechanisms, rows);
        assertTrue(mechanisms.at("/physical/nondeterministicSafe").asBoolean());
        assertFalse(mechanisms.at("/statement/nondeterministicSafe").asBoolean());
        assertEquals("0.75", mechanisms.at("/statement/nondeterministic/follower/random").asText());
        assertEquals("0.25", mechanisms.at("/statement/nondeterministic/leader/random").asText());
    }

    @Test
    void aSequenceIsReplicatedWhenTheFollowersValueIsNotBehindTheLeaders() {
        var rows = Table.create("lab05_seq", StringColumn.create("node", "postgres-primary", "postgres-standby", "postgres-logical"),
                StringColumn.create("feeds it", "(the leader)", "physical", "logical"),
                StringColumn.create("last_value", "200", "232", "1"));
        var mechanisms = new ObjectMapper().createObjectNode();
        MechanismReport.sequences(mechanisms, rows);
        assertTrue(mechanisms.at("/physical/sequencesReplicated").asBoolean());
        assertFalse(mechanisms.at("/logical/sequencesReplicated").asBoolean());
        assertEquals(1, mechanisms.at("/logical/sequence/follower").asLong());
    }
}
