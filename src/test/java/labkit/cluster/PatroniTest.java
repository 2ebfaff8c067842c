package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import labkit.testing.FreePorts;
import labkit.testing.Required;
import labkit.workload.Endpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Patroni 3 with etcd on this machine, through the kit's pieces: a leader and a replica that
 * streams through the leader's link; the leader's node crashes and its link is cut; etcd's
 * leader key expires, the replica takes it and is promoted; the old leader rejoins as a replica.
 */
class PatroniTest {
    private static final Narrator PRINT = new Narrator() {
        @Override public void event(String text) { System.out.println("### " + text); }
        @Override public void result(String text) { System.out.println("   " + text); }
        @Override public void progress(String text) { System.out.println("   " + text); }
    };

    @TempDir Path logs;

    @Test
    void zoneFailureMovesTheLeaderKeyAndTheOldLeaderRejoins() throws SQLException {
        Required.tool(PROGRAMS_INSTALLED, "Patroni and etcd are not installed (apt-get install patroni etcd-server)");
        PgInstall pg = PgBinaries.find(Optional.empty(), null, false, line -> {});
        Required.tool(pg.hasPgRewind(), "PostgreSQL without pg_rewind (apt-get install postgresql)");
        int base = FreePorts.block(Patroni.PORTS);
        var timing = new PatroniConfig.Timing(10, 2, 4);
        try (var cluster = LocalPatroni.start("pglabtest", pg, base, timing, PRINT, logs)) {
            var primary = cluster.start("postgres-primary", Map.of());
            var standby = cluster.start("postgres-standby", Map.of());
            Wait.until("postgres-standby streams", primary,
                    "SELECT state FROM pg_stat_replication WHERE application_name = 'postgres-standby'", "streaming",
                    Duration.ofSeconds(60));
            assertEquals(Optional.of("postgres-primary"), cluster.leaderInEtcd());
            assertTrue(cluster.link("postgres-primary").bytesToStandby() > 0, "the standby streams through the link");
            assertTrue(cluster.list().contains("postgres-standby"), cluster.list());
            var writes = Endpoint.multiHost(List.of(primary, standby), "primary", Duration.ofSeconds(2), Duration.ofSeconds(5));
            assertEquals("postgres-primary", reachedBy(writes));

            long origin = System.nanoTime();
            try (var watch = cluster.etcd().watch(cluster.leaderKey(), origin)) {
                long killed = System.nanoTime() - origin;
                primary.kill();
                cluster.link("postgres-primary").cut();
                var expired = watch.await(killed, EtcdWatch.Change::deleted, Duration.ofSeconds(30), () -> {}).orElseThrow();
                var taken = watch.await(expired.nanos(), c -> "postgres-standby".equals(c.value()), Duration.ofSeconds(30), () -> {})
                        .orElseThrow();
                double detectS = (expired.nanos() - killed) / 1e9;
                // the key outlives its leader by at most ttl, and by at least ttl - loop_wait (its last renewal)
                assertTrue(detectS > timing.ttl() - timing.loopWait() - 1 && detectS < timing.ttl() + 1,
                        "leader key expired " + detectS + " s after the crash");
                assertTrue(taken.nanos() >= expired.nanos());
                Wait.until("postgres-standby is promoted", standby, "SELECT pg_is_in_recovery()", "f", Duration.ofSeconds(30));
                assertEquals("postgres-standby", reachedBy(writes), "a new connection through the URL finds the new primary");
                System.out.printf("key expired after %.2f s, taken %.0f ms later%n", detectS,
                        (taken.nanos() - expired.nanos()) / 1e6);
            }

            cluster.link("postgres-primary").restore();
            primary.start();
            Wait.until("the old leader streams from the new one", standby,
                    "SELECT state FROM pg_stat_replication WHERE application_name = 'postgres-primary'", "streaming",
                    Duration.ofSeconds(90));
            assertTrue(primary.inRecovery());
            assertTrue(primary.patroniLog().stream().anyMatch(l -> l.contains("pg_rewind")),
                    "Patroni's log says it ran pg_rewind");
        }
        assertTrue(Ports.allFree(base, Patroni.PORTS), "every port of the block is free again");
    }

    /** The node a new connection through {@code endpoint} reached, as the endpoint says; checked against the server's port. */
    private static String reachedBy(Endpoint.MultiHost endpoint) throws SQLException {
        try (Connection c = endpoint.connect(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT inet_server_port()")) {
            rs.next();
            int port = rs.getInt(1);
            String node = endpoint.nodeOf(c);
            assertEquals(port, endpoint.nodes().stream().filter(n -> n.name().equals(node)).findFirst().orElseThrow().port());
            return node;
        }
    }

    private static final boolean PROGRAMS_INSTALLED = LocalPatroni.PROGRAMS.keySet().stream()
            .allMatch(p -> OsUser.which(p).isPresent());
}
