package labkit.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import labkit.cluster.LabException;
import labkit.cluster.Node;
import labkit.cluster.Wait;
import org.junit.jupiter.api.Test;

/** A node that does not answer is a sample without numbers; a query that fails is an error that names it. */
class LagSamplerTest {

    /** A node whose every connection attempt fails with {@code error}. */
    private static Node failing(String name, SQLException error) {
        return new Node() {
            @Override public String name() { return name; }
            @Override public String host() { return "127.0.0.1"; }
            @Override public int port() { return 1; }
            @Override public String runtime() { return "test"; }
            @Override public void start() {}
            @Override public void stop() {}
            @Override public void kill() {}
            @Override public void promote() {}
            @Override public void appendConf(String lines) {}
            @Override public boolean isRunning() { return false; }
            @Override public List<String> logTail(int lines) { return List.of(); }
            @Override public String psqlCommand() { return "psql"; }
            @Override public Connection connect() throws SQLException { throw error; }
        };
    }

    @Test
    void aNodeThatIsDownGivesSamplesWithoutNumbers() {
        var down = new SQLException("Connection to 127.0.0.1:1 refused", "08001");
        try (var lag = LagSampler.start(System.nanoTime(), failing("p", down), failing("s", down), Duration.ofMillis(10))) {
            Wait.sleep(Duration.ofMillis(200));
            var sample = lag.latest();
            assertEquals("unreachable", sample.state());
            assertNull(sample.replayLagMs());
            assertNull(sample.bytesBehind());
            assertTrue(lag.samples().size() > 3, lag.samples().toString());
        }
    }

    @Test
    void aFailingQueryStopsTheSamplerWithTheQueryNamed() {
        var down = new SQLException("Connection refused", "08001");
        var denied = new SQLException("ERROR: permission denied for function pg_last_wal_replay_lsn", "42501");
        var lag = LagSampler.start(System.nanoTime(), failing("p", down), failing("postgres-standby", denied),
                Duration.ofMillis(10));
        Wait.sleep(Duration.ofMillis(200));
        var e = assertThrows(LabException.class, lag::latest);
        assertTrue(e.getMessage().contains("postgres-standby") && e.getMessage().contains("permission denied")
                && e.getMessage().contains("SELECT pg_last_wal_replay_lsn()"), e.getMessage());
        assertThrows(LabException.class, lag::close);
    }
}
