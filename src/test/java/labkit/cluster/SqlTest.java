package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class SqlTest {
    @Test
    void aBrokenConnectionAfterSendingIsUnknownAServerRefusalIsNot() {
        assertTrue(Sql.connectionLost(new SQLException("An I/O error occurred while sending to the backend.",
                "08006", new EOFException())));
        assertTrue(Sql.connectionLost(new SQLException("terminating connection due to administrator command", "57P01")));
        assertTrue(Sql.connectionLost(new SQLException("no state", null, new java.net.SocketException("reset"))));
        assertFalse(Sql.connectionLost(new SQLException("cannot execute INSERT in a read-only transaction", "25006")));
        assertFalse(Sql.connectionLost(new SQLException("duplicate key value violates unique constraint", "23505")));
    }
}
