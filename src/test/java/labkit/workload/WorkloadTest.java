package labkit.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.sql.SQLException;
import java.time.Duration;
import labkit.notebook.DurationConverter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class WorkloadTest {
    @Test
    void aBrokenConnectionAfterSendingIsUnknownAServerRefusalIsNot() {
        assertTrue(Workload.connectionLost(new SQLException("An I/O error occurred while sending to the backend.",
                "08006", new EOFException())));
        assertTrue(Workload.connectionLost(new SQLException("terminating connection due to administrator command", "57P01")));
        assertTrue(Workload.connectionLost(new SQLException("no state", null, new java.net.SocketException("reset"))));
        assertFalse(Workload.connectionLost(new SQLException("cannot execute INSERT in a read-only transaction", "25006")));
        assertFalse(Workload.connectionLost(new SQLException("duplicate key value violates unique constraint", "23505")));
    }

    @Test
    void durationsReadTheWayPeopleTypeThem() {
        var c = new DurationConverter();
        assertEquals(Duration.ofMillis(250), c.convert("250ms"));
        assertEquals(Duration.ofSeconds(10), c.convert("10s"));
        assertEquals(Duration.ofMinutes(2), c.convert("2m"));
        assertThrows(TypeConversionException.class, () -> c.convert("ten seconds"));
        assertThrows(TypeConversionException.class, () -> c.convert("-5s"));
    }
}
