package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * pg_rewind's report, parsed from what PostgreSQL 15's pg_rewind printed on this machine
 * (src/test/resources/pg_rewind): after a crash of a primary with WAL its standby never got,
 * and after a clean stop.
 */
class RewindTest {

    private static String captured(String file) throws IOException {
        return Files.readString(Path.of("src/test/resources/pg_rewind", file));
    }

    @Test
    void afterACrashTheRewindSaysWhereTheServersDivergedAndWhatItCopied() throws IOException {
        var r = Rewind.parsePgRewind("pg_rewind …", captured("15-after-crash.txt"));
        assertEquals("pg_rewind", r.method());
        assertEquals(Boolean.TRUE, r.needed());
        assertEquals("0/30120B8", r.divergedAtLsn());
        assertEquals("0/2000060", r.lastCommonCheckpoint());
        assertEquals(53005L * 1024, r.copiedBytes(), "the last progress line: 53005/53005 kB (100%) copied");
        assertTrue(r.output().contains("pg_rewind: Done!"));
        // the single-user crash recovery pg_rewind ran first is in the output, not among its own lines
        assertTrue(r.output().contains("redo done at"));
        assertFalse(r.toolLines().stream().anyMatch(l -> l.contains("redo done")), r.toolLines().toString());
        assertTrue(r.toolLines().contains("53005/53005 kB (100%) copied"), r.toolLines().toString());
        assertFalse(r.toolLines().contains("0/53005 kB (0%) copied"), r.toolLines().toString());
    }

    @Test
    void afterACleanStopThereIsNothingToRewind() throws IOException {
        var r = Rewind.parsePgRewind("pg_rewind …", captured("15-after-clean-stop.txt"));
        assertEquals(Boolean.FALSE, r.needed());
        assertEquals("0/314B7F8", r.divergedAtLsn(), "pg_rewind still names the fork point");
        assertNull(r.lastCommonCheckpoint());
        assertNull(r.copiedBytes(), "nothing copied is not 0 bytes measured");
        assertTrue(r.describe().contains("nothing to rewind after a clean stop"), r.describe());
    }

    @Test
    void zeroPaddedLsnsOfPostgres18AreRead() {
        var r = Rewind.parsePgRewind("pg_rewind …", """
                pg_rewind: servers diverged at WAL location 0/0301A0B8 on timeline 1
                pg_rewind: rewinding from last common checkpoint at 0/02000060 on timeline 1
                """);
        assertEquals("0/0301A0B8", r.divergedAtLsn());
        assertEquals("0/02000060", r.lastCommonCheckpoint());
    }

    @Test
    void anOutputThatSaysNeitherIsAnError() {
        var e = assertThrows(LabException.class,
                () -> Rewind.parsePgRewind("pg_rewind …", "pg_rewind: error: could not connect to server\n"));
        assertTrue(e.getMessage().contains("could not connect"), e.getMessage());
    }

    @Test
    void aRebuildFromABaseBackupSaysNothingAboutARewind() {
        var r = Rewind.baseBackup("rm -rf …", "low-level-api", 42_000_000);
        assertEquals("base-backup", r.method());
        assertNull(r.needed());
        assertNull(r.divergedAtLsn());
        assertEquals(42_000_000L, r.copiedBytes());
    }

    @Test
    void theTimelineHistoryNamesTheSwitchPointOfItsLastLine() {
        var h = TimelineHistory.parse(3, "1\t0/30120B8\tno recovery target specified\n\n"
                + "2\t0/5000148\tno recovery target specified\n");
        assertEquals(3, h.timeline());
        assertEquals("0/5000148", h.switchLsn());
        assertEquals("SELECT pg_read_file('pg_wal/00000003.history') AS timeline_history", h.query());
    }
}
