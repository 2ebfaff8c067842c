package labkit.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node that --keep leaves up, as it is when the lab exits (measured then, after the kept standbys
 * stream directly): what summary.json reports next to the states the lab measured during its run.
 *
 * @param role        primary, standby, or "unknown" when the node did not answer
 * @param walReceiver a standby's pg_stat_wal_receiver status ("none" without a receiver); null for a primary
 * @param upstream    host:port the standby's WAL receiver streams from; null when it streams from none
 * @param standbys    pg_stat_replication on this node: each application_name and its state
 * @param error       why the node could not be asked; null when it answered
 */
public record KeptNode(String name, int port, String role, String walReceiver, String upstream,
                       Map<String, String> standbys, String error) {

    /** Asks {@code node} now. */
    static KeptNode of(Node node) {
        try {
            var standbys = new LinkedHashMap<String, String>();
            var replication = Sql.query(node, "SELECT application_name, state FROM pg_stat_replication ORDER BY 1");
            for (int row = 0; row < replication.rowCount(); row++) {
                standbys.put(replication.getString(row, "application_name"), replication.getString(row, "state"));
            }
            if (!node.inRecovery()) {
                return new KeptNode(node.name(), node.port(), "primary", null, null, standbys, null);
            }
            var receiver = Sql.query(node, "SELECT status, sender_host || ':' || sender_port AS upstream FROM pg_stat_wal_receiver");
            boolean receives = receiver.rowCount() > 0;
            return new KeptNode(node.name(), node.port(), "standby", receives ? receiver.getString(0, "status") : "none",
                    receives ? receiver.getString(0, "upstream") : null, standbys, null);
        } catch (RuntimeException e) {
            return new KeptNode(node.name(), node.port(), "unknown", null, null, Map.of(), e.getMessage());
        }
    }

    /** "primary", "standby, streaming from 127.0.0.1:15433", "standby, not streaming". */
    public String describe() {
        if (error != null) {
            return "state unknown: " + error;
        }
        if (!role.equals("standby")) {
            return role;
        }
        return "standby, " + (upstream == null ? "not streaming" : walReceiver + " from " + upstream);
    }
}
