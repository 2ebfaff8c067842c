package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both runtimes start a node from the same settings: conf/replication.conf over PostgreSQL's
 * defaults, and nothing else but the node's identity (port, name, where it listens). Compared
 * with SHOW, on what a local node and a docker node report.
 */
class ConfigParityTest {
    /** What the labs' lessons rest on: replication, durability, memory, WAL, timing of replies. */
    static final List<String> LAB_SETTINGS = List.of("wal_level", "max_wal_senders", "max_replication_slots",
            "wal_keep_size", "max_slot_wal_keep_size", "hot_standby", "hot_standby_feedback", "wal_log_hints",
            "data_checksums", "password_encryption", "wal_receiver_status_interval", "wal_sender_timeout",
            "wal_receiver_timeout", "synchronous_commit", "synchronous_standby_names", "fsync", "full_page_writes",
            "wal_sync_method", "shared_buffers", "max_connections", "max_wal_size", "min_wal_size",
            "checkpoint_timeout", "wal_writer_delay", "commit_delay", "log_replication_commands", "TimeZone");

    /** A node's identity, which differs by runtime on purpose (a container listens on 5432 of its own). */
    static final Set<String> IDENTITY = Set.of("port", "cluster_name", "listen_addresses", "unix_socket_directories",
            "logging_collector", "config_file", "hba_file", "data_directory");

    @TempDir Path logs;

    @Test
    void aLocalNodeRunsOnReplicationConfAloneAndAgreesWithADockerNode() throws Exception {
        var pg = PgBinaries.find(Optional.empty(), null, false, s -> {});
        Map<String, String> local;
        Set<String> localFromFiles;
        try (var runtime = new LocalRuntime(pg, logs.resolve("local"))) {
            Node node = runtime.createPrimary("postgres-primary", freePort());
            local = settings(node);
            localFromFiles = fromConfigurationFiles(node);
        }
        assertEquals(replicationConfNames(), localFromFiles, "settings a local node takes from its files");

        // the same major on both sides, so that only the runtime differs (the local one is the installed 15)
        var image = DockerTestImage.OLD;
        image.assumeReady();
        assumeTrue(String.valueOf(pg.major()).equals(image.major()),
                "the local PostgreSQL is " + pg.major() + ", the Docker test image " + image.major());
        String project = "pglab-parity-" + ProcessHandle.current().pid();
        try (var runtime = new DockerRuntime(project, image.repository(), image.major(),
                logs.resolve("docker"), s -> {})) {
            Node node = runtime.createPrimary(DockerRuntime.PRIMARY, freePort());
            assertEquals(local, settings(node), "SHOW on a local node vs a docker node");
            assertEquals(localFromFiles, fromConfigurationFiles(node), "settings a docker node takes from its files");
        }
        DockerTestImage.assertNothingLeft(project);
    }

    private static Map<String, String> settings(Node node) {
        var values = new TreeMap<String, String>();
        for (String name : LAB_SETTINGS) {
            values.put(name, Sql.scalar(node, "SHOW " + name));
        }
        return values;
    }

    /** Settings set in a configuration file (postgresql.conf, replication.conf, postgresql.auto.conf), identity aside. */
    private static Set<String> fromConfigurationFiles(Node node) {
        var table = Sql.query(node, "SELECT name FROM pg_settings WHERE source = 'configuration file'");
        return table.stringColumn("name").asList().stream().filter(n -> !IDENTITY.contains(n))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The names conf/replication.conf sets. */
    private static Set<String> replicationConfNames() throws IOException {
        return Files.readAllLines(Path.of("conf/replication.conf")).stream()
                .map(l -> l.replaceAll("#.*", "").strip()).filter(l -> l.contains("="))
                .map(l -> l.substring(0, l.indexOf('=')).strip().toLowerCase())
                .filter(n -> !IDENTITY.contains(n)).collect(Collectors.toCollection(TreeSet::new));
    }

    private static int freePort() throws IOException {
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
