//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import labkit.cluster.LabException;
import labkit.measure.Failover;
import labkit.measure.Latency;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * lab04's manual failover as its summary.json recorded it (RTO, phases, losses, how the leader
 * failed), with where it came from; to set beside a failover manager's in one table. When the
 * file is missing, the numbers are null and the lab says to run lab04 first.
 */
public final class Lab04Failover {
    private Lab04Failover() {}

    /** summary.json's "manual": source, found, modified, rtoMs, rtoPhasesMs, lostAcked, leaderFault. */
    public static ObjectNode read(Lab lab, Path file) {
        var manual = new ObjectMapper().createObjectNode();
        manual.put("source", file.toString());
        if (!Files.exists(file)) {
            manual.put("found", false).putNull("rtoMs");
            manual.putObject("rtoPhasesMs").putNull("detect").putNull("promote").putNull("reroute");
            lab.result("lab04's results are missing (" + file + "): run lab04 first to compare with its manual failover.");
            return manual;
        }
        try {
            JsonNode failover = new ObjectMapper().readTree(file.toFile()).path("failover");
            manual.put("found", true).put("modified", Files.getLastModifiedTime(file).toString());
            for (String field : new String[] {"rtoMs", "rtoPhasesMs", "lostAcked", "leaderFault"}) {
                manual.set(field, failover.path(field));
            }
            lab.result("lab04's manual failover (leader fault: " + failover.path("leaderFault").asText("?") + "), read from "
                    + file + " (written " + manual.path("modified").asText() + ").");
        } catch (IOException e) {
            throw new LabException("cannot read " + file + ": " + e.getMessage());
        }
        return manual;
    }

    /** The two failovers side by side, phase by phase (ms; NaN where lab04's file had nothing). */
    public static Table comparison(String manager, Failover managed, JsonNode manual) {
        JsonNode p = manual.path("rtoPhasesMs");
        return Table.create("failover: " + manager + " (this run) vs by hand (lab04)",
                StringColumn.create("ms", "detect", "promote", "re-route", "RTO"),
                DoubleColumn.create(manager.toLowerCase(java.util.Locale.ROOT), Latency.round(managed.detectMs()),
                        Latency.round(managed.promoteMs()), Latency.round(managed.rerouteMs()), Latency.round(managed.rtoMs())),
                DoubleColumn.create("by_hand_lab04", number(p.path("detect")), number(p.path("promote")),
                        number(p.path("reroute")), number(manual.path("rtoMs"))));
    }

    private static double number(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.NaN;
    }
}
