package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import labkit.measure.ConsistencyChecker;
import labkit.measure.History;
import labkit.testing.LabProcess;
import labkit.testing.Summaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lab06 end to end on the local runtime, through ./jbang, at its default settings. */
class Lab06LocalTest {
    @TempDir Path out;

    @Test
    void showsEachAnomalyThenEachFixAndTheMultiLeaderConflicts() throws Exception {
        var run = LabProcess.run("lab06-consistency.java", out, "--yes", "--runtime", "local");
        assertEquals(0, run.exitCode(), run.transcript());
        assertTrue(run.seconds() < 300, "lab06 took " + run.seconds() + " s");
        JsonNode s = run.summary();
        assertEquals("local", s.path("runtime").asText());
        assertModule6(s, out);
        LabReportsTest.assertReportHasTheStepsCommandsTablesAndEveryPlotItLinks(run, out);
        int installed = major(s.path("postgresVersion"));
        if (installed < 16) {
            assertTrue(run.stdout().contains("PostgreSQL " + s.path("postgresVersion").asText().split(" ")[0]
                    + " is older than 16, which this part needs"), run.transcript());
        }
        assertTrue(LabProcess.leftoverServers().isEmpty(), "servers left: " + LabProcess.leftoverServers());
    }

    /** The agenda 3 facts, whatever the runtime. */
    static void assertModule6(JsonNode s, Path out) throws Exception {
        assertEquals(java.util.List.of(), Summaries.unnamedWindows("lab06", s), s.toString());
        JsonNode raw = s.path("readAfterWrite");
        assertTrue(raw.path("none").path("staleRate").asDouble() > 0, "no stale read without a fix: " + raw);
        assertTrue(raw.path("none").path("example").asText().contains(" then "), raw.toString());
        assertTrue(raw.path("lsnTokenBeforeCommit").path("staleRate").asDouble() > 0,
                "a token taken before the commit must not help: " + raw);
        assertTrue(raw.path("remoteApplyUnnamed").path("staleRate").asDouble() > 0,
                "remote_apply without the standby named must not help: " + raw);
        // what PostgreSQL guarantees: the wait covers the commit; remote_apply returns after the standby applied it
        assertEquals(0.0, raw.path("lsnToken").path("staleRate").asDouble(), raw.toString());
        assertEquals(0.0, raw.path("remoteApply").path("staleRate").asDouble(), raw.toString());
        for (String fix : new String[] {"none", "lsnTokenBeforeCommit", "lsnToken", "remoteApplyUnnamed", "remoteApply", "routing"}) {
            assertTrue(raw.path(fix).path("staleRate").isNumber(), fix + ": " + raw.path(fix));
            assertTrue(raw.path(fix).path("reads").asLong() > 50, fix + ": " + raw.path(fix));
            assertCost(fix, raw.path(fix));
        }
        // remote_apply's commit waits for the standby: at least a round trip through the 25 ms (±2 ms) link
        assertTrue(raw.path("remoteApply").path("latency").path("write").path("p50Ms").asDouble() > 40, raw.toString());
        assertTrue(raw.path("routing").path("readsByNode").path("postgres-primary").asLong() > 0, raw.toString());

        JsonNode mono = s.path("monotonicReads");
        assertTrue(mono.path("none").path("violationRate").asDouble() > 0, "no read back in time: " + mono);
        assertEquals(0.0, mono.path("sticky").path("violationRate").asDouble(), mono.toString());
        assertEquals(0.0, mono.path("lsnHighWater").path("violationRate").asDouble(), mono.toString());
        for (String fix : new String[] {"none", "sticky", "lsnHighWater"}) {
            assertCost(fix, mono.path(fix));
        }
        assertTrue(mono.path("none").path("readsByNode").path("postgres-standby2").asLong() > 0, mono.toString());

        JsonNode multi = s.path("multiLeader");
        assertTrue(major(multi.path("postgresVersion")) >= 16, multi.toString());
        assertEquals(1, multi.path("replicatesOnce").path("rows").path("postgres-primary").asLong(), multi.toString());
        assertEquals(1, multi.path("replicatesOnce").path("rows").path("postgres-standby").asLong(), multi.toString());
        assertEquals(0, multi.path("replicatesOnce").path("applyErrors").asLong(), multi.toString());
        assertTrue(multi.path("sameRowUpdates").path("divergedRows").asLong() > 0, multi.toString());
        assertEquals(1000, multi.path("counter").path("increments").asLong(), multi.toString());
        assertTrue(multi.path("counter").path("final").asLong() < 1000, multi.toString());
        String error = multi.path("duplicateKey").path("applyError").asText();
        assertTrue(error.startsWith("ERROR:") && (error.contains("insert_exists") || error.contains("duplicate key")), error);
        assertEquals(1, multi.path("duplicateKey").path("divergedSignups").asLong(), multi.toString());
        if (major(multi.path("postgresVersion")) >= 18) {
            for (String node : new String[] {"postgres-primary", "postgres-standby"}) {
                assertTrue(multi.path("conflictCounters").path(node).path("confl_insert_exists").asLong() >= 1, multi.toString());
            }
        }

        // the exported history is the one the summary was counted from
        var histories = History.readJsonLines(out.resolve(s.path("history").asText()));
        assertEquals(9, histories.size(), histories.keySet().toString());
        var none = ConsistencyChecker.check(histories.get("readAfterWrite.none"));
        assertEquals(raw.path("none").path("staleReads").asLong(), none.staleReads());
        var balanced = ConsistencyChecker.check(histories.get("monotonicReads.none"));
        assertEquals(mono.path("none").path("nonMonotonicReads").asLong(), balanced.nonMonotonicReads());
        Lab02LocalTest.assertPlots(out, s);
        assertEquals(2, s.path("plots").size(), s.path("plots").toString());
    }

    /** A fix's cost: read and write latency p50/p90, measured. */
    private static void assertCost(String fix, JsonNode row) {
        for (String op : new String[] {"read", "write"}) {
            JsonNode l = row.path("latency").path(op);
            assertTrue(l.path("p50Ms").asDouble() > 0, fix + " " + op + ": " + l);
            assertTrue(l.path("p90Ms").asDouble() >= l.path("p50Ms").asDouble(), fix + " " + op + ": " + l);
        }
    }

    /** "15.18 (Debian 15.18-0+deb12u1)" → 15. */
    static int major(JsonNode version) {
        return Integer.parseInt(version.asText().split("[. ]")[0]);
    }
}
