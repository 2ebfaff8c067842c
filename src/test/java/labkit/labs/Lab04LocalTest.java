package labkit.labs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import labkit.cluster.Cluster;
import labkit.cluster.PgBinaries;
import labkit.notebook.Charts;
import labkit.testing.LabProcess;
import labkit.testing.Summaries;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** lab04 end to end on the local runtime, through ./jbang, as a student runs it. */
class Lab04LocalTest {
    @TempDir Path out;

    @Test
    void followerCatchesUpAndAfterACrashTheOldPrimaryIsRewound() throws Exception {
        var run = LabProcess.run("lab04-ha.java", out, "--yes", "--runtime", "local", "--outage", "10s");
        assertEquals(0, run.exitCode(), run.transcript());
        JsonNode s = run.summary();

        assertEquals("local", s.path("runtime").asText());
        assertModule4(s, out);
        assertRewoundAfterACrash(s);
        LabReportsTest.assertReportHasTheStepsCommandsTablesAndEveryPlotItLinks(run, out);
        assertTrue(run.stdout().contains("pg_rewind: servers diverged at WAL location"), run.transcript());
        assertLeftNothing(run);
    }

    /** The course's docker compose stop: a primary sends all its WAL before it shuts down. */
    @Test
    void afterACleanStopThereIsNothingToRewind() throws Exception {
        var run = LabProcess.run("lab04-ha.java", out, "--yes", "--runtime", "local", "--outage", "2s",
                "--leader-fault", "stop");
        assertEquals(0, run.exitCode(), run.transcript());
        JsonNode failover = run.summary().path("failover");
        assertEquals("stop", failover.path("leaderFault").asText());
        JsonNode rewind = failover.path("rewind");
        assertEquals("pg_rewind", rewind.path("method").asText());
        assertFalse(rewind.path("needed").asBoolean(true), rewind.toString());
        assertTrue(rewind.path("output").asText().contains("no rewind required"), rewind.toString());
        assertTrue(rewind.path("copiedBytes").isNull(), "nothing copied, nothing measured: " + rewind);
        assertEquals(0, failover.path("lostAcked").asLong(), "a clean stop sends every acknowledged commit: " + failover);
        assertTrue(failover.path("dataEqual").asBoolean(), failover.toString());
        assertTrue(run.stdout().contains("nothing to rewind after a clean stop"), run.transcript());
        assertLeftNothing(run);
    }

    /** Server binaries from Maven Central have no pg_rewind: the old primary is rebuilt from a base backup. */
    @Test
    void withoutPgRewindTheOldPrimaryIsRebuiltFromABaseBackup() throws Exception {
        Assumptions.assumeTrue(PgBinaries.find(Optional.empty(), null, false, line -> {}).major() != 17,
                "PostgreSQL 17 is installed here: the Maven Central path would not be taken");
        var run = LabProcess.run("lab04-ha.java", out, "--yes", "--runtime", "local", "--outage", "2s",
                "--pg-version", "17");
        assertEquals(0, run.exitCode(), run.transcript());
        JsonNode s = run.summary();
        assertTrue(run.stdout().contains("(maven-central)"), run.transcript());
        assertTrue(s.path("postgresVersion").asText().startsWith("17."), s.toString());
        JsonNode failover = s.path("failover");
        JsonNode rewind = failover.path("rewind");
        assertEquals("base-backup", rewind.path("method").asText(), rewind.toString());
        assertTrue(rewind.path("needed").isNull(), "no pg_rewind asked: " + rewind);
        assertTrue(rewind.path("copiedBytes").asLong() > 10_000_000, "a whole data directory: " + rewind);
        assertTrue(run.stdout().contains("These binaries have no pg_rewind"), run.transcript());
        assertEquals(2, failover.path("timeline").asInt(), failover.toString());
        assertEquals("streaming", failover.path("oldPrimaryState").asText(), failover.toString());
        assertTrue(failover.path("lostAckedDiscardedOnOldPrimary").asBoolean(), failover.toString());
        assertTrue(failover.path("dataEqual").asBoolean(), failover.toString());
        assertLeftNothing(run);
    }

    /** The Module 4 facts, whatever the runtime and the leader fault. */
    static void assertModule4(JsonNode s, Path out) throws Exception {
        assertEquals(java.util.List.of(), Summaries.unnamedWindows("lab04", s), s.toString());
        JsonNode follower = s.path("followerFailure");
        double configured = follower.path("configuredOutageSeconds").asDouble();
        assertEquals(10, configured, 1e-9, follower.toString());
        for (String mode : List.of("sync", "async")) {
            double down = follower.path(mode).path("measuredDownSeconds").asDouble();
            // from the standby's shutdown to its accepting connections: the lab waited the setting, then it started
            assertTrue(down >= configured && down < configured + 30, mode + " down " + down + " s: " + follower);
        }
        assertTrue(follower.path("sync").path("stalledSeconds").asLong() > 0, "sync writes did not stall: " + follower);
        assertTrue(follower.path("sync").path("syncRepWaiting").asLong() > 0, "no commit waited on SyncRep: " + follower);
        assertTrue(follower.path("async").path("okDuringOutage").asLong() > 0, "async writes stopped: " + follower);
        assertEquals(0, follower.path("async").path("stalledSeconds").asLong(), follower.toString());
        assertTrue(follower.path("async").path("missedWalBytes").asLong()
                > 10 * follower.path("sync").path("missedWalBytes").asLong(), "async writes go on, sync ones stall: " + follower);
        assertTrue(follower.path("catchUpSeconds").asDouble() > 0, follower.toString());
        assertEquals(0, follower.path("lostAcked").asLong(), follower.toString());
        assertSlotHeldTheWalOfTheOutage(follower.path("async"), out);

        JsonNode failover = s.path("failover");
        assertEquals("postgres-standby", failover.path("newPrimary").asText());
        JsonNode phases = failover.path("rtoPhasesMs");
        // three failed health checks, a second apart, after the fault
        assertTrue(phases.path("detect").asDouble() >= 3000, failover.toString());
        assertTrue(phases.path("promote").asDouble() > 0 && phases.path("promote").asDouble() < 60_000, failover.toString());
        assertTrue(phases.path("reroute").asDouble() > 0, failover.toString());
        // the RTO starts when the first write that failed was sent: at the fault, give or take a write in flight
        double fault = failover.path("faultAtS").asDouble();
        double firstFailed = failover.path("firstFailedWriteSentAtS").asDouble();
        assertTrue(firstFailed > fault - 1 && firstFailed < fault + 1, failover.toString());
        assertEquals(failover.path("lostAcked").asLong(), failover.path("lostAckedKeys").size(), failover.toString());
        assertTrue(failover.path("lostAckedDiscardedOnOldPrimary").asBoolean(), failover.toString());
        // every unknown write was sent either before the fault or after it
        assertTrue(failover.path("unknownSentBeforeFault").isNumber(), failover.toString());
        assertEquals(failover.path("unknownPresent").asLong() + failover.path("unknownAbsent").asLong(),
                failover.path("unknownSentBeforeFault").asLong() + failover.path("unknownSentAfterFault").asLong(),
                failover.toString());
        assertEquals(2, failover.path("timeline").asInt(), failover.toString());
        assertEquals("streaming", failover.path("oldPrimaryState").asText());
        assertTrue(failover.path("dataEqual").asBoolean(), failover.toString());
        assertTrue(failover.path("rows").asLong() > 0, failover.toString());

        assertEquals(3, s.path("plots").size(), s.toString());
        for (JsonNode plot : s.path("plots")) {
            var image = ImageIO.read(out.resolve(plot.asText()).toFile());
            assertNotNull(image, plot + " is not a PNG");
            assertEquals(Charts.WIDTH, image.getWidth(), plot.asText());
            assertEquals(Charts.HEIGHT, image.getHeight(), plot.asText());
        }
        assertTrue(Files.size(out.resolve("per-second.csv")) > 0);
        assertTrue(Files.exists(out.resolve("logs/postgres-standby.log")), "standby log kept");
    }

    /** A crash in async mode: pg_rewind had work to do, and says where the histories forked. */
    static void assertRewoundAfterACrash(JsonNode s) {
        JsonNode failover = s.path("failover");
        assertEquals("crash", failover.path("leaderFault").asText());
        JsonNode rewind = failover.path("rewind");
        assertEquals("pg_rewind", rewind.path("method").asText(), rewind.toString());
        assertTrue(rewind.path("needed").asBoolean(), rewind.toString());
        // two reports of the same fork point: pg_rewind's, and the new timeline's history file
        assertEquals(failover.path("timelineSwitchLsn").asText(), rewind.path("divergedAtLsn").asText(), failover.toString());
        assertTrue(rewind.path("lastCommonCheckpoint").asText().matches("[0-9A-F]+/[0-9A-F]+"), rewind.toString());
        assertTrue(rewind.path("copiedBytes").asLong() > 0, rewind.toString());
    }

    /**
     * catch-up.csv, the catch-up chart's data: while the standby was down in async mode, the WAL its
     * slot held on the primary grew to about what it missed; after it caught up, it is small again.
     */
    private static void assertSlotHeldTheWalOfTheOutage(JsonNode async, Path out) {
        Table slot = Table.read().csv(out.resolve("catch-up.csv").toFile());
        slot = slot.where(slot.stringColumn("slot_name").isEqualTo("postgres_standby"));
        double down = async.path("downAtS").asDouble();
        double up = async.path("upAtS").asDouble();
        var during = slot.where(slot.numberColumn("t_s").isBetweenInclusive(down, up));
        var after = slot.where(slot.numberColumn("t_s").isBetweenInclusive(up + async.path("catchUpSeconds").asDouble() + 1,
                up + async.path("catchUpSeconds").asDouble() + 3));
        double held = during.numberColumn("retained_bytes").max();
        long missed = async.path("missedWalBytes").asLong();
        assertTrue(held > 0.8 * missed, "the slot held " + held + " bytes, the standby missed " + missed);
        // released: some sample 1-3 s after the catch-up is small (each sample also holds the WAL in flight
        // at that moment, which under load can be a sizeable part of the outage's on its own)
        assertTrue(after.rowCount() > 0 && after.numberColumn("retained_bytes").min() < 0.2 * held,
                "after the catch-up the slot still holds " + after.numberColumn("retained_bytes").min() + " of " + held);
    }

    /** The ports this run used: nothing listens there any more, and none of its servers is left. */
    private static void assertLeftNothing(LabProcess run) {
        var ports = Pattern.compile("(?:Starting primary|Started standby) \"[^\"]+\" on port (\\d+)").matcher(run.stdout())
                .results().map(m -> m.group(1)).toList();
        assertEquals(2, ports.size(), run.transcript());
        ports.forEach(port -> assertTrue(Cluster.portFree(Integer.parseInt(port)), "port " + port + " still held"));
        var left = LabProcess.leftoverServers().stream().filter(server -> ofThisRun(server, ports)).toList();
        assertTrue(left.isEmpty(), "servers left: " + left);
    }

    /**
     * Other labs may run on this machine meanwhile (other ports, their own work dirs, their tools):
     * a server is this run's when its postmaster.pid names one of the run's ports, or when its work
     * dir is gone already (a server the teardown missed). Without -D it is no postmaster.
     */
    private static boolean ofThisRun(String commandLine, List<String> ports) {
        var dataDir = Pattern.compile(" -D (\\S+)").matcher(commandLine);
        if (!dataDir.find()) {
            return false;
        }
        try {
            List<String> pid = Files.readAllLines(Path.of(dataDir.group(1), "postmaster.pid"));
            return pid.size() > 3 && ports.contains(pid.get(3).strip());
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void badOptionsAreOneClearLine() throws Exception {
        var malformed = LabProcess.run("lab04-ha.java", out, "--yes", "--runtime", "local", "--outage", "ten");
        assertEquals(2, malformed.exitCode(), malformed.transcript());
        assertEquals(1, malformed.errorLines().size(), malformed.transcript());
        assertTrue(malformed.errorLines().get(0).contains("ten"), malformed.transcript());

        var tooShort = LabProcess.run("lab04-ha.java", out, "--yes", "--runtime", "local", "--outage", "0s");
        assertEquals(2, tooShort.exitCode(), tooShort.transcript());
        assertEquals(1, tooShort.errorLines().size(), tooShort.transcript());
        assertTrue(tooShort.errorLines().get(0).contains("--outage"), tooShort.transcript());
        assertFalse(tooShort.stdout().contains("Starting primary"), "checked before any node starts: " + tooShort.transcript());

        var fault = LabProcess.run("lab04-ha.java", out, "--yes", "--runtime", "local", "--leader-fault", "meteor");
        assertEquals(2, fault.exitCode(), fault.transcript());
        assertEquals(1, fault.errorLines().size(), fault.transcript());
        assertTrue(fault.errorLines().get(0).contains("meteor"), fault.transcript());
    }
}
