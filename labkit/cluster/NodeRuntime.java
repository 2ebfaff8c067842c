package labkit.cluster;

import java.util.function.LongConsumer;

/**
 * Where nodes run: PostgreSQL processes on this machine ({@link LocalRuntime}) or the
 * containers of compose.yaml ({@link DockerRuntime}). Labs never see which; they talk to
 * {@link Cluster}, which talks to this.
 */
public interface NodeRuntime extends AutoCloseable {

    /** "local" or "docker", as written to summary.json. */
    String kind();

    /**
     * Creates and starts a fresh primary named {@code name} listening on {@code port} of this
     * machine: configuration from conf/, a replication role from .env, an empty lab database.
     */
    Node createPrimary(String name, int port);

    /**
     * Creates a standby of {@code primary} from a base backup and starts it streaming.
     * The standby's primary_conninfo points at {@code upstream} (the primary itself, or a link in
     * front of it) with {@code application_name = name} and the physical slot {@link #slotName}.
     */
    BaseBackup createStandby(String name, int port, Node primary, Endpoint upstream, LongConsumer bytesCopied);

    /** How the nodes reach {@code node} directly (127.0.0.1:port locally, service:5432 in compose). */
    Endpoint endpointSeenFromNodes(Node node);

    /** How the nodes reach a port the kit listens on, on this machine (for the replication link). */
    String hostSeenFromNodes();

    /** Address the kit's own listeners (the link) must bind so that nodes can reach them. */
    String bindAddressForNodes();

    /**
     * Makes a stopped (or crashed) old primary a standby of {@code source}, the promoted node,
     * streaming from {@code upstream}: its slot on {@code source} first (reserving WAL), a
     * CHECKPOINT there, pg_rewind against it, then standby.signal and primary_conninfo, and the
     * node starts. Binaries without pg_rewind rebuild it from a fresh base backup instead.
     * Returns what the rewind (or the rebuild) reported.
     */
    Rewind rejoinAsStandby(Node node, Node source, Endpoint upstream);

    /** How a student tears the cluster down after --keep. */
    String teardownHint();

    /** Stops and removes every node and all their data (nothing of the lab is left). */
    @Override
    void close();

    /** Replication slot names allow only [a-z0-9_]: postgres-standby gets postgres_standby. */
    static String slotName(String nodeName) {
        return nodeName.replaceAll("[^a-z0-9_]", "_");
    }

    /** Creates {@code standbyName}'s physical slot on {@code primary}, reserving WAL now, unless it exists. */
    static void createSlot(Node primary, String standbyName) {
        String slot = slotName(standbyName);
        Sql.exec(primary, "SELECT pg_create_physical_replication_slot('" + slot + "', true)"
                + " WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '" + slot + "')");
    }

    record Endpoint(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /** What the base backup did: "pg_basebackup" or "low-level-api", its size and duration. */
    record BaseBackup(Node standby, String method, long bytes, double seconds) {}
}
