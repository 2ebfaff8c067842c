//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.notebook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Locale;
import labkit.cluster.PatroniLog;
import labkit.cluster.PatroniNode;
import labkit.cluster.Sql;
import labkit.measure.Audit;
import labkit.measure.Latency;

/**
 * Rejoin without hands: the failed leader's node comes back and Patroni starts on it as before;
 * it reads the leader key, rewinds its server and makes it follow the new leader. Shown in its log
 * and in pg_stat_replication; the writes the failover lost are looked for on it.
 */
public final class PatroniRejoin {
    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    /**
     * @param rewound               its Patroni log names pg_rewind
     * @param lostAbsentOnOldLeader of the writes the failover lost, how many the rewind threw away there too
     */
    public record Result(double seconds, boolean rewound, long lostAbsentOnOldLeader, int timeline) {
        /** Added to summary.json's "managed". */
        public ObjectNode addTo(ObjectNode managed) {
            return managed.put("rejoined", true).put("rejoinSeconds", Latency.round(seconds)).put("rewound", rewound)
                    .put("lostAbsentOnOldLeader", lostAbsentOnOldLeader).put("timeline", timeline);
        }
    }

    private PatroniRejoin() {}

    public static Result demo(PatroniRun run, PatroniNode old, PatroniNode leader, Audit.Result failoverAudit) {
        Lab lab = run.lab();
        lab.say("""
                The node comes back (its link too) and Patroni starts on it as before. Nobody tells it what
                happened: it reads the leader key, sees it is not the leader, and turns its server into a
                replica of the new one — with pg_rewind first, since the old timeline went on after the fork.""");
        run.ha().link(old.name()).restore();
        lab.command(old.startCommand());
        long started = run.mark("old leader starts");
        int logFrom = old.patroniLogMark();
        old.start();
        run.ha().awaitStreaming(leader, old);
        double seconds = (run.now() - started) / 1e9;
        lab.event(String.format(Locale.ROOT, "\"%s\" streams from \"%s\" again, %.1f s after its Patroni started",
                old.name(), leader.name(), seconds));
        lab.say("Its Patroni log:");
        var story = PatroniLog.story(old.patroniLogSince(logFrom), 12);
        story.forEach(lab::result);
        boolean rewound = story.stream().anyMatch(l -> l.contains("pg_rewind"));
        lab.show(leader, "SELECT application_name, state, sync_state, replay_lag FROM pg_stat_replication");
        int timeline = Integer.parseInt(Sql.scalar(leader, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"), 16);
        leader.waitForCatchup(old, CATCH_UP);
        long lostAbsent = Audit.absentOn(old, failoverAudit.lost());
        if (!failoverAudit.lost().isEmpty()) {
            lab.result(lostAbsent + " of the " + failoverAudit.lostAcked()
                    + " lost writes are absent on the old leader too: pg_rewind threw them away.");
        }
        return new Result(seconds, rewound, lostAbsent, timeline);
    }
}
