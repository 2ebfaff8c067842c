//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import labkit.cluster.PatroniNode;
import labkit.cluster.Sql;
import labkit.measure.Latency;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * A cascading standby: s3 joins with Patroni's replicatefrom tag and streams from s1, not from
 * the primary. The links measure what the primary sends against what s1 forwards; then s1 stops
 * and s3 goes without an upstream until Patroni points it at the leader.
 */
public final class CascadingStandby {
    private static final Duration TRAFFIC_WINDOW = Duration.ofSeconds(4);
    private static final Duration NEW_UPSTREAM_TIMEOUT = Duration.ofSeconds(60);

    public record Result(String s3, String state, String upstream, double primarySentBytesPerSecond,
                         double forwardedBytesPerSecond, double secondsWithoutUpstream, String upstreamAfter) {
        public ObjectNode json() {
            return JsonNodeFactory.instance.objectNode().put("s3", s3).put("s3State", state).put("upstream", upstream)
                    .put("primarySentBytesPerSecond", Math.round(primarySentBytesPerSecond))
                    .put("s1ForwardedBytesPerSecond", Math.round(forwardedBytesPerSecond))
                    .put("secondsWithoutUpstreamAfterS1Stopped", Latency.round(secondsWithoutUpstream))
                    .put("upstreamAfterS1Stopped", upstreamAfter);
        }
    }

    private CascadingStandby() {}

    /** @param s3Name the node that joins, streaming from {@code s1} */
    public static Result demo(PatroniRun run, PatroniNode primary, PatroniNode s1, String s3Name) {
        Lab lab = run.lab();
        var ha = run.ha();
        lab.say("""
                %s joins with the tag replicatefrom: %s. Patroni points it at that member instead of the
                leader: the primary sends its WAL once to %s, which sends it on. (Done by hand, a base backup
                of a standby taken with -R copies that standby's primary_slot_name: the new node would ask for
                a slot that is not its own.)""".formatted(s3Name, s1.name(), s1.name()));
        var s3 = ha.start(s3Name, Map.of("replicatefrom", s1.name()));
        ha.awaitStreaming(s1, s3);
        run.mark("cascade");
        lab.show(primary, "SELECT application_name, state FROM pg_stat_replication ORDER BY 1");
        lab.show(s1, "SELECT application_name, state FROM pg_stat_replication ORDER BY 1");
        lab.show(s3, "SELECT status, sender_host, sender_port, slot_name FROM pg_stat_wal_receiver");
        String upstream = ha.upstreamOf(s3).orElse("none");

        var primaryLink = ha.link(primary.name());
        var s1Link = ha.link(s1.name());
        long fromPrimary = primaryLink.bytesToStandby();
        long fromS1 = s1Link.bytesToStandby();
        long t0 = run.now();
        run.watch(TRAFFIC_WINDOW);
        double span = (run.now() - t0) / 1e9;
        double primaryRate = (primaryLink.bytesToStandby() - fromPrimary) / span;
        double forwardedRate = (s1Link.bytesToStandby() - fromS1) / span;
        lab.table(Table.create("replication traffic, measured on the links",
                StringColumn.create("sender", primary.name() + " (to its standbys)", s1.name() + " (to " + s3Name + ")"),
                DoubleColumn.create("kB_per_s", Math.round(primaryRate / 102.4) / 10.0, Math.round(forwardedRate / 102.4) / 10.0)));

        lab.say("Action: stop " + s1.name() + ". Observe " + s3Name + ": it loses its upstream until Patroni points it at "
                + "the leader.");
        long stopped = run.stop(s1, s1.name() + " stopped");
        run.awaitUpstream(s3, primary, NEW_UPSTREAM_TIMEOUT);
        double gap = (run.now() - stopped) / 1e9;
        lab.event(String.format(Locale.ROOT, "\"%s\" streams from \"%s\", %.1f s after %s stopped", s3Name, primary.name(),
                gap, s1.name()));
        lab.show(s3, "SELECT status, sender_host, sender_port FROM pg_stat_wal_receiver");
        String state = Sql.scalar(s3, "SELECT status FROM pg_stat_wal_receiver");
        return new Result(s3Name, state, upstream, primaryRate, forwardedRate, gap, ha.upstreamOf(s3).orElse("none"));
    }
}
