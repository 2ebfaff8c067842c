package labkit.cluster;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two writable nodes that replicate to each other with logical replication (PostgreSQL 16 on).
 * The second starts as a base backup of the first and is promoted, so both begin with the same
 * rows; then each subscribes to the other's publication with {@code origin = none}: it takes only
 * the changes made on the other node, not those the other node received, so a change does not
 * come back. Each subscription crosses a link with a delay, as between two regions, and is
 * disabled by an apply error instead of retrying it every few seconds. Every command run is told.
 */
public final class MultiLeader {
    public static final String PUBLICATION = "lab_pub";
    public static final String SUBSCRIPTION_OPTIONS = "origin = none, copy_data = false, disable_on_error = true";

    private final Node first;
    private final Node second;
    private final Narrator narrator;

    private MultiLeader(Node first, Node second, Narrator narrator) {
        this.first = first;
        this.second = second;
        this.narrator = narrator;
    }

    /**
     * @param schema SQL that creates (and fills) the replicated tables, run on the first node before the copy
     * @param tables the tables to publish
     */
    public static MultiLeader create(Cluster cluster, Narrator narrator, String firstName, String secondName,
                                     String schema, List<String> tables, Duration oneWay, Duration jitter) {
        Node first = cluster.primary(firstName);
        narrator.command(first.alterSystem("wal_level", "logical"));
        narrator.command(first.alterSystem("track_commit_timestamp", "on")); // conflicts are found by commit origin and time
        narrator.event("Restarting \"" + first.name() + "\" (wal_level changes at a start)");
        first.restart();
        Sql.exec(first, schema);
        narrator.command(Logical.publish(first, PUBLICATION, tables));
        Node second = cluster.standbyFrom(first, secondName);
        narrator.event("Promoting \"" + second.name() + "\": a second writable node with the same rows");
        second.promote();
        Sql.exec(first, "SELECT pg_drop_replication_slot('" + NodeRuntime.slotName(second.name()) + "')");
        var leaders = new MultiLeader(first, second, narrator);
        for (Node node : leaders.nodes()) {
            var publisher = cluster.endpoint(cluster.link(leaders.other(node)).delay(oneWay, jitter));
            narrator.command(Logical.subscribe(node, leaders.subscriptionOn(node), publisher, PUBLICATION,
                    SUBSCRIPTION_OPTIONS));
        }
        return leaders;
    }

    public Node first() {
        return first;
    }

    public Node second() {
        return second;
    }

    public List<Node> nodes() {
        return List.of(first, second);
    }

    public Node other(Node node) {
        return node == first ? second : first;
    }

    /** The subscription on {@code node}, to the other node's publication: from_&lt;other&gt;. */
    public String subscriptionOn(Node node) {
        return "from_" + NodeRuntime.slotName(other(node).name());
    }

    /** Waits until each node has applied everything the other one has written so far. */
    public void settle() {
        for (Node node : nodes()) {
            Logical.waitForCatchup(other(node), subscriptionOn(node));
        }
    }

    /**
     * Stops both subscriptions, as when the link between the regions is down: each node goes on
     * taking writes, and neither receives the other's until {@link #resume}. What the two nodes
     * write in between is concurrent, however slow the machine.
     */
    public void pause() {
        for (Node node : nodes()) {
            narrator.command(Logical.disable(node, subscriptionOn(node)));
        }
    }

    /** Starts both subscriptions again: each node receives what the other wrote meanwhile. */
    public void resume() {
        for (Node node : nodes()) {
            narrator.command(Logical.enable(node, subscriptionOn(node)));
        }
    }

    /** Each node's conflict counters ({@link Logical#conflictCounts}) by node name; null before PostgreSQL 18, which counts none. */
    public Map<String, Map<String, Long>> conflictCounts() {
        var counts = new LinkedHashMap<String, Map<String, Long>>();
        for (Node node : nodes()) {
            var kinds = Logical.conflictCounts(node, subscriptionOn(node));
            counts.put(node.name(), kinds.isEmpty() ? null : kinds);
        }
        return counts;
    }

    /**
     * After an apply error on {@code node}: waits until its subscription is disabled, reads the
     * error from its log, skips the whole remote transaction it failed on and enables the
     * subscription again. Returns the error.
     */
    public Logical.ApplyError skipFailedTransaction(Node node) {
        String subscription = subscriptionOn(node);
        Logical.waitUntilDisabled(node, subscription);
        var error = Logical.lastApplyError(node).orElseThrow(() -> new LabException(subscription + " on " + node.name()
                + " was disabled, but its log has no apply error: see " + node.name() + "'s log"));
        narrator.result(node.name() + " logged: " + error.line());
        narrator.command(Logical.skipAndEnable(node, subscription, error.finishLsn()));
        return error;
    }
}
