package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the kit reads out of Bucardo's and pgpool-II's logs, on lines those programs wrote on this machine. */
class MechanismLogsTest {

    @Test
    void bucardoKidErrorIsTheFirstDeathOfThatSyncUpToItsContext() {
        var log = List.of(
                "(4670) [Tue Dec  1 08:51:54 2026] KID (s1) Kid has died, error is: CTL request Line: 4997 ",
                "(22336) [Tue Dec  1 08:58:43 2026] CTL New controller for sync \"s1\". Relgroup is \"rg1\", dbs is \"s1\". PID=22336",
                "(22340) [Tue Dec  1 09:03:25 2026] KID (s1) Warning! Aborting due to exception for public.pglab_write:? Error was "
                        + "DBD::Pg::db pg_putcopyend failed: ERROR:  extra data after last expected column",
                "(22340) [Tue Dec  1 09:03:25 2026] KID (s1) Kid has died, error is: DBD::Pg::db pg_putcopyend failed: ERROR:  "
                        + "extra data after last expected column\\nCONTEXT:  COPY pglab_write, line 1: \"d1\t\\N\" at "
                        + "/usr/share/perl5/Bucardo.pm line 10118. Line: 5037 Main DB ",
                "(22399) [Tue Dec  1 09:04:25 2026] KID (s1) Kid has died, error is: a later one");
        assertEquals(Optional.of("DBD::Pg::db pg_putcopyend failed: ERROR:  extra data after last expected column"),
                Bucardo.kidError(log, "s1"));
        assertEquals(Optional.empty(), Bucardo.kidError(log, "s2"));
    }

    @Test
    void pgpoolStatementsAreTheOnesSentToEachBackend() {
        var log = List.of(
                "2026-12-01 08:59:23.033: psql pid 24218: LOG:  DB node id: 0 backend pid: 24473 statement: BEGIN",
                "2026-12-01 08:59:23.052: psql pid 24218: LOG:  DB node id: 0 backend pid: 24473 statement: INSERT INTO \"nd\" "
                        + "VALUES ('x1',\"random\"(),\"clock_timestamp\"(),\"pg_catalog\".\"timestamptz\"('2026-12-01 08:59:23.033522+00'::text))",
                "2026-12-01 08:59:23.052: psql pid 24218: LOG:  DB node id: 1 backend pid: 24472 statement: INSERT INTO \"nd\" "
                        + "VALUES ('x1',\"random\"(),\"clock_timestamp\"(),\"pg_catalog\".\"timestamptz\"('2026-12-01 08:59:23.033522+00'::text))",
                "2026-12-01 08:59:06.333: main pid 23646: LOG:  pgpool-II successfully started. version 4.3.5 (tamahomeboshi)");
        var inserts = Pgpool.statements(log, "'x1'");
        assertEquals(List.of(0, 1), inserts.stream().map(Pgpool.Statement::node).toList());
        assertTrue(inserts.get(0).sql().startsWith("INSERT INTO \"nd\""), inserts.toString());
        assertTrue(inserts.get(1).sql().contains("timestamptz\"('2026-12-01"), "now() was sent as a constant: " + inserts);
        assertEquals(List.of(), Pgpool.statements(log, "'x2'"));
    }
}
