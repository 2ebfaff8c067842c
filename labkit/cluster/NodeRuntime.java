package labkit.cluster;

import java.util.List;
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

    /**
     * Makes a stopped node a standby of {@code primary} as it is, copying nothing: its slot on the
     * primary, standby.signal and primary_conninfo (to {@code upstream}), then it starts. A node that
     * is no copy of the primary is refused by the primary's WAL sender, which is what a lab shows.
     */
    default void followAsIs(Node node, Node primary, Endpoint upstream) {
        throw new LabException("the " + kind() + " runtime cannot turn a node into a standby as it is yet: use --runtime local");
    }

    /** A runtime for nodes of another PostgreSQL major, beside this one. */
    default NodeRuntime ofMajor(String major, Narrator narrator) {
        throw new LabException("the " + kind() + " runtime cannot run nodes of another major yet: use --runtime local");
    }

    /** A folder the server user may write, removed with the runtime (files of tools beside the nodes). */
    default java.nio.file.Path folder(String name) {
        throw new LabException("the " + kind() + " runtime has no folder for tools beside the nodes yet: use --runtime local");
    }

    /** The client programs (pg_dump, pg_restore, psql) of this runtime's major. */
    default PgInstall clientTools() {
        throw new LabException("the " + kind() + " runtime has no client programs on this machine yet: use --runtime local");
    }

    /** The PostgreSQL major of this runtime's nodes. */
    default int major() {
        return clientTools().major();
    }

    /** Where a tool works on {@code node} (pg_dump of it): a folder {@code name} beside it, with the client programs of this major. */
    default ToolHost toolsBeside(Node node, String name) {
        return new LocalToolHost(folder(name), clientTools());
    }

    /**
     * Where a tool runs that the lab's clients may connect to (pgpool-II on {@code port} of this
     * machine, 0 for none; Bucardo): a folder {@code name}, here or in compose.yaml's service {@code name}.
     */
    default ToolHost toolService(String name, int port) {
        return new LocalToolHost(folder(name), clientTools());
    }

    /** How a student tears the cluster down after --keep. */
    String teardownHint();

    /** Stops and removes every node and all their data (nothing of the lab is left). */
    @Override
    void close();

    /**
     * After {@link #close}: what of its nodes still runs or is still on disk (a postmaster, the
     * work dir, a container, volume or network of the project), one line each; empty when nothing.
     */
    List<String> leftovers();

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

    /** Drops {@code standbyName}'s physical slot on {@code primary}, if it exists. */
    static void dropSlot(Node primary, String standbyName) {
        Sql.exec(primary, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
                + slotName(standbyName) + "'");
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
