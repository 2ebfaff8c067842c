package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import labkit.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The docker runtime on compose.yaml with the CI test images: a primary and a streaming standby,
 * crash and restart, failover, and the old primary rewound back in as a standby, on PostgreSQL 18
 * and on the oldest major kept (15, where pg_rewind needs the promotion checkpointed).
 */
class DockerRuntimeTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final DockerTestImage MECHANISMS = DockerTestImage.MECHANISMS;
    private static final DockerTestImage MECHANISMS_NEWER = DockerTestImage.MECHANISMS_NEWER;

    @TempDir Path logs;

    static Stream<DockerTestImage> images() {
        return Stream.of(DockerTestImage.CURRENT, DockerTestImage.OLD);
    }

    @ParameterizedTest(name = "on {0}")
    @MethodSource("images")
    void primaryStandbyCrashFailoverAndRewind(DockerTestImage image) throws Exception {
        image.assumeReady();
        String project = "pglab-test-" + ProcessHandle.current().pid();
        var composeOutput = new ArrayList<String>();
        var copied = new ArrayList<Long>();
        int primaryPort = FreePorts.one();
        int standbyPort = FreePorts.one();
        Node primary;
        Node standby;
        try (var runtime = new DockerRuntime(project, image.repository(), image.major(), logs, composeOutput::add)) {
            // A primary from compose.yaml: configuration from conf/, the replication role from .env.
            primary = runtime.createPrimary(DockerRuntime.PRIMARY, primaryPort);
            assertEquals("docker", primary.runtime());
            assertEquals(primaryPort, primary.port());
            assertTrue(primary.version().startsWith(image.major() + "."), primary.version());
            assertEquals("postgres-primary", Sql.scalar(primary, "SHOW cluster_name"));
            assertEquals("on", Sql.scalar(primary, "SHOW wal_log_hints"));
            assertEquals("t|f", Sql.scalar(primary, "SELECT format('%s|%s', rolreplication, rolsuper) FROM pg_roles"
                    + " WHERE rolname = '" + Env.get().replicationUser() + "'"));
            assertEquals("0", Sql.scalar(primary, "SELECT count(*) FROM pg_class WHERE relname = 'rental'"),
                    "the kit loads Pagila itself: PGLAB_LOAD_PAGILA=none");
            Sql.exec(primary, "CREATE TABLE marks (id int PRIMARY KEY, era text)");
            Sql.exec(primary, "INSERT INTO marks SELECT g, 'before backup' FROM generate_series(1, 1000) g");

            primary.appendConf("work_mem = '7MB'");
            primary.reload();
            assertEquals("7MB", Sql.scalar(primary, "SHOW work_mem"));

            // A standby from pg_basebackup in its container, followed through the container log.
            var backup = runtime.createStandby(DockerRuntime.STANDBY, standbyPort, primary,
                    runtime.endpointSeenFromNodes(primary), copied::add);
            standby = backup.standby();
            assertEquals("pg_basebackup", backup.method());
            assertTrue(backup.bytes() > 10_000_000, "a cluster is more than 10 MB, got " + backup.bytes());
            assertTrue(backup.seconds() > 0 && backup.seconds() < 120, "seconds: " + backup.seconds());
            assertFalse(copied.isEmpty(), "progress was reported");
            assertEquals(backup.bytes(), copied.get(copied.size() - 1));
            awaitStreaming(primary, standby);
            assertEquals("postgres-standby", Sql.scalar(standby, "SHOW cluster_name"));
            assertTrue(inRecovery(standby));
            Sql.exec(primary, "INSERT INTO marks SELECT g, 'streamed' FROM generate_series(1001, 2000) g");
            primary.waitForCatchup(standby, WAIT);
            assertEquals(2000, Sql.count(standby, "marks"));

            // A crash of the standby, then a restart: it streams again, without a second backup.
            standby.kill();
            assertFalse(standby.isRunning());
            standby.start();
            awaitStreaming(primary, standby);
            assertEquals(1, standby.logTail(10_000).stream()
                    .filter(l -> l.startsWith("init-standby: base backup of")).count(), "one base backup only");

            // Diverge: writes the standby never gets, then the primary crashes and the standby takes over.
            standby.stop();
            Sql.exec(primary, "INSERT INTO marks SELECT g, 'lost' FROM generate_series(2001, 2100) g");
            primary.kill();
            assertFalse(primary.isRunning());
            standby.start();
            standby.promote();
            assertFalse(inRecovery(standby));
            Sql.exec(standby, "INSERT INTO marks SELECT g, 'after failover' FROM generate_series(3001, 3010) g");

            // The old primary comes back as a standby of the new one: pg_rewind drops its lost writes.
            var rewind = runtime.rejoinAsStandby(primary, standby, runtime.endpointSeenFromNodes(standby));
            assertEquals(Boolean.TRUE, rewind.needed(), rewind.output());
            assertEquals(TimelineHistory.of(standby).switchLsn(), rewind.divergedAtLsn(), rewind.output());
            awaitStreaming(standby, primary);
            standby.waitForCatchup(primary, WAIT);
            assertTrue(inRecovery(primary));
            assertEquals("0", Sql.scalar(primary, "SELECT count(*) FROM marks WHERE era = 'lost'"));
            assertEquals("10", Sql.scalar(primary, "SELECT count(*) FROM marks WHERE era = 'after failover'"));
            assertTrue(String.join("\n", composeOutput).contains(DockerRuntime.STANDBY), String.join("\n", composeOutput));
        }
        // close(): nothing of the run is left, and the logs were kept.
        assertEquals("", docker("ps", "-aq", "--filter", "label=com.docker.compose.project=" + project));
        assertEquals("", docker("volume", "ls", "-q", "--filter", "label=com.docker.compose.project=" + project));
        assertEquals("", docker("network", "ls", "-q", "--filter", "label=com.docker.compose.project=" + project));
        assertTrue(Files.readString(logs.resolve("postgres-standby.log")).contains("base backup completed"));
        assertTrue(portFree(primaryPort) && portFree(standbyPort), "ports released");
    }

    @Test
    void standbyStreamsThroughALinkOnTheHost() throws Exception {
        var image = DockerTestImage.CURRENT;
        image.assumeReady();
        String project = "pglab-test-link-" + ProcessHandle.current().pid();
        try (var runtime = new DockerRuntime(project, image.repository(), image.major(), logs, line -> {})) {
            Node primary = runtime.createPrimary(DockerRuntime.PRIMARY, FreePorts.one());
            try (var link = Link.open(runtime.bindAddressForNodes(), 0, primary.host(), primary.port())) {
                var upstream = new NodeRuntime.Endpoint(runtime.hostSeenFromNodes(), link.port());
                var backup = runtime.createStandby(DockerRuntime.STANDBY, FreePorts.one(), primary, upstream, bytes -> {});
                Node standby = backup.standby();
                awaitStreaming(primary, standby);
                assertEquals(runtime.hostSeenFromNodes() + ":" + link.port(), Sql.scalar(standby,
                        "SELECT sender_host || ':' || sender_port FROM pg_stat_wal_receiver"));
                assertTrue(link.bytesToStandby() > backup.bytes(),
                        "the base backup crossed the link: " + link.bytesToStandby() + " <= " + backup.bytes());
            }
        }
    }

    @Test
    void availableAnswersFastAndAMissingEngineIsOneClearError() {
        long started = System.nanoTime();
        boolean available = DockerRuntime.available();
        assertTrue(System.nanoTime() - started < 2_000_000_000L, "available() took more than 2 s");
        assertFalse(DockerEngine.answers(Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock")),
                "no engine behind a missing socket");
        // docker-java reads DOCKER_HOST from system properties too
        String previous = System.getProperty("DOCKER_HOST");
        System.setProperty("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        try {
            var e = assertThrows(LabException.class, () -> new DockerRuntime("pglab-test-none", "postgres", "18",
                    logs, line -> {}));
            assertTrue(e.getMessage().contains("does not answer") && e.getMessage().contains("--runtime local"),
                    e.getMessage());
        } finally {
            if (previous == null) {
                System.clearProperty("DOCKER_HOST");
            } else {
                System.setProperty("DOCKER_HOST", previous);
            }
        }
        assertEquals(available, DockerRuntime.available(), "the real engine is untouched by the checks above");
    }

    @Test
    void aTaggedImageIsOneClearError() {
        var e = assertThrows(LabException.class, () -> new DockerRuntime("pglab-test-tag", "postgres:17", "18",
                logs, line -> {}));
        assertTrue(e.getMessage().contains("without a tag") && e.getMessage().contains("--pg-version"), e.getMessage());
    }

    @Test
    void aServiceComposeYamlLacksIsOneClearError() {
        DockerTestImage.CURRENT.assumeReady();
        try (var runtime = new DockerRuntime("pglab-test-service-" + ProcessHandle.current().pid(),
                DockerTestImage.CURRENT.repository(), DockerTestImage.CURRENT.major(), logs, line -> {})) {
            var e = assertThrows(LabException.class, () -> runtime.createPrimary("postgres-elsewhere", 1));
            assertTrue(e.getMessage().contains("no \"postgres-elsewhere\"") && e.getMessage().contains("postgres-from-dump"),
                    e.getMessage());
        }
    }

    /**
     * lab05's nodes on its images (docker/mechanisms-image): services by any name, a node of the newer
     * major beside the leader's, and a primary of its own refused as a standby of another cluster.
     */
    @Test
    void mechanismsNodesOfTwoMajorsAndAStandbyAsItIs() throws Exception {
        MECHANISMS.assumeReady();
        MECHANISMS_NEWER.assumeReady();
        String project = "pglab-test-mechanisms-" + ProcessHandle.current().pid();
        Narrator narrator = new Narrator() {
            @Override public void event(String text) {}
            @Override public void result(String text) {}
            @Override public void progress(String text) {}
        };
        try (var runtime = new DockerRuntime(project, MECHANISMS.repository(), MECHANISMS.major(), logs, line -> {});
             var newerRuntime = runtime.ofMajor(MECHANISMS_NEWER.major(), narrator)) {
            Node leader = runtime.createPrimary(DockerRuntime.PRIMARY, FreePorts.one());
            Node fromDump = runtime.createPrimary("postgres-from-dump", FreePorts.one());
            assertEquals("postgres-from-dump", Sql.scalar(fromDump, "SHOW cluster_name"));
            assertTrue(fromDump.version().startsWith(MECHANISMS.major() + "."), fromDump.version());
            // PL/Perl of the server's own version (Bucardo's control database needs it).
            Sql.exec(fromDump, "CREATE EXTENSION plperl");
            Node newer = newerRuntime.createPrimary("postgres-logical", FreePorts.one());
            assertTrue(newer.version().startsWith(MECHANISMS_NEWER.major() + "."), newer.version());
            Sql.exec(newer, "CREATE EXTENSION plperl");

            fromDump.stop();
            runtime.followAsIs(fromDump, leader, runtime.endpointSeenFromNodes(leader));
            assertTrue(inRecovery(fromDump));
            var refusal = ServerLog.waitFor(fromDump, "database system identifier differs", WAIT);
            assertFalse(refusal.isEmpty(), String.join("\n", fromDump.logTail(30)));
            assertEquals("postgres_from_dump", Sql.scalar(leader,
                    "SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'postgres_from_dump'"));
        }
        assertEquals("", docker("ps", "-aq", "--filter", "label=com.docker.compose.project=" + project));
        assertEquals("", docker("volume", "ls", "-q", "--filter", "label=com.docker.compose.project=" + project));
        assertTrue(Files.readString(logs.resolve("postgres-logical.log")).contains("ready to accept connections"));
    }

    @Test
    void portVariablesFollowTheServiceNames() {
        assertEquals("PRIMARY_PORT", DockerRuntime.portVariable(DockerRuntime.PRIMARY));
        assertEquals("STANDBY2_PORT", DockerRuntime.portVariable(DockerRuntime.STANDBY2));
        assertEquals("FROM_DUMP_PORT", DockerRuntime.portVariable("postgres-from-dump"));
        assertEquals("STANDBY_18_PORT", DockerRuntime.portVariable("postgres-standby-18"));
    }

    private static boolean inRecovery(Node node) {
        return "t".equals(Sql.scalar(node, "SELECT pg_is_in_recovery()"));
    }

    private static void awaitStreaming(Node upstream, Node standby) {
        Wait.until(standby.name() + " streams from " + upstream.name(), upstream,
                "SELECT state FROM pg_stat_replication WHERE application_name = '" + standby.name() + "'",
                "streaming", WAIT);
    }


    private static boolean portFree(int port) {
        try (var s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String docker(String... args) throws Exception {
        var command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        return Processes.run(command, Map.of(), Duration.ofSeconds(30)).strip();
    }
}
