//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.measure;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import labkit.cluster.Node;
import labkit.cluster.Rewind;
import labkit.cluster.Sql;
import labkit.cluster.TimelineHistory;
import labkit.workload.Ledger;

/**
 * What a rejoined old primary must show once the workload has stopped and it has caught up: the
 * writes it acknowledged that never reached the new primary (lost, by the ledger's audit there)
 * are gone on it too, because the rewind (or the rebuild) discarded them; and both nodes hold
 * the same data.
 *
 * @param onNewPrimary  the writes sent to the old primary, audited on the new primary
 * @param onOldPrimary  the same writes, audited on the rejoined old primary
 * @param state         the old primary's state in the new primary's pg_stat_replication ("streaming")
 */
public record Rejoin(Rewind rewind, TimelineHistory history, Audit.Result onNewPrimary, Audit.Result onOldPrimary,
                     Fingerprint data, String state) {

    /**
     * Audits the writes sent to {@code oldPrimary} (those it acknowledged are the ones that can be
     * lost; the RPO is theirs) on both nodes, and compares the nodes' data.
     */
    public static Rejoin check(Ledger ledger, Node newPrimary, Node oldPrimary, Rewind rewind, TimelineHistory history) {
        var toOldPrimary = new Ledger();
        ledger.writes().stream().filter(w -> w.node().equals(oldPrimary.name())).forEach(toOldPrimary::record);
        String state = Sql.scalar(newPrimary, "SELECT state FROM pg_stat_replication WHERE application_name = '"
                + oldPrimary.name() + "'");
        return new Rejoin(rewind, history, Audit.on(toOldPrimary, newPrimary), Audit.on(toOldPrimary, oldPrimary),
                Fingerprint.of(newPrimary, oldPrimary), state);
    }

    /** The writes lost on the new primary are exactly the acknowledged writes absent on the old one. */
    public boolean lostDiscardedOnOldPrimary() {
        return onOldPrimary.lost().equals(onNewPrimary.lost());
    }

    /** lostAcked (with the keys), the rewind as pg_rewind reported it, the timeline, the data check. */
    public ObjectNode json() {
        var node = JsonNodeFactory.instance.objectNode();
        node.put("lostAcked", onNewPrimary.lostAcked()).put("rpoMs", Latency.round(onNewPrimary.rpoMs()))
                .put("unknownPresent", onNewPrimary.unknownPresent())
                .put("unknownAbsent", onNewPrimary.unknownAbsent());
        var keys = node.putArray("lostAckedKeys");
        onNewPrimary.lost().forEach(w -> keys.add(w.key()));
        node.put("lostAckedDiscardedOnOldPrimary", lostDiscardedOnOldPrimary());
        node.put("timeline", history.timeline()).put("timelineSwitchLsn", history.switchLsn());
        node.putObject("rewind").put("method", rewind.method()).put("needed", rewind.needed())
                .put("divergedAtLsn", rewind.divergedAtLsn()).put("lastCommonCheckpoint", rewind.lastCommonCheckpoint())
                .put("copiedBytes", rewind.copiedBytes()).put("output", rewind.output());
        node.put("oldPrimaryState", state);
        node.put("dataEqual", data.equal()).put("rows", data.writes());
        return node;
    }
}
