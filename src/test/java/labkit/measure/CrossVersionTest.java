package labkit.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import labkit.cluster.LabException;
import org.junit.jupiter.api.Test;

/** A refusal is recorded as the server's own FATAL line; an attempt that goes through works. */
class CrossVersionTest {
    @Test
    void aRefusalKeepsTheServersFatalLineWithoutTheLogsPath() {
        var cross = CrossVersion.tried("15.18", "17.6", () -> {
            throw new LabException("postgres-standby-17 did not start: FATAL:  database files are incompatible with server "
                    + "(full log: /tmp/x/postgres.log)");
        });
        assertFalse(cross.works());
        assertEquals("FATAL:  database files are incompatible with server", cross.error());
        var m = new ObjectMapper().createObjectNode();
        cross.writeTo(m);
        assertEquals("15.18", m.at("/crossVersion/from").asText());
        assertFalse(m.at("/crossVersion/works").asBoolean());
    }

    @Test
    void aRefusalInAContainerKeepsFatalAndDetailWithoutTheLogsCommand() {
        var cross = CrossVersion.tried("17.12", "18.6", () -> {
            throw new LabException("node postgres-standby-18 stopped: FATAL:  database files are incompatible with server "
                    + "DETAIL:  The data directory was initialized by PostgreSQL version 17 "
                    + "(see `docker compose -p pglab-lab05 logs postgres-standby-18`)");
        });
        assertEquals("FATAL:  database files are incompatible with server DETAIL:  The data directory was initialized by "
                + "PostgreSQL version 17", cross.error());
    }

    @Test
    void anAttemptThatGoesThroughWorksWithNoError() {
        var cross = CrossVersion.tried("15.18", "17.6", () -> {});
        assertTrue(cross.works());
        assertNull(cross.error());
        var m = new ObjectMapper().createObjectNode();
        cross.writeTo(m);
        assertTrue(m.at("/crossVersion/error").isNull());
    }
}
