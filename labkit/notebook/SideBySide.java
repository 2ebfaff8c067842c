//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.notebook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.cluster.Bucardo;
import labkit.cluster.LabException;
import labkit.cluster.Link;
import labkit.cluster.Node;
import labkit.cluster.Wait;
import labkit.measure.Phases;
import labkit.measure.Timeline;
import labkit.measure.Wal;
import labkit.workload.Workload;

/**
 * Replication mechanisms side by side, in one workload run: the leader alone first and last (the
 * baseline), then one phase per way onto the write path, each measured on its own
 * ({@link Phases}). Writes go through pgpool in the statement phase, straight to the leader with
 * physical and logical replication streaming in the plain phase, and with Bucardo's triggers on
 * in the trigger phase; the sections of summary.json's {@code mechanisms} come from those phases.
 */
public final class SideBySide {
    private static final Duration WARM_UP = Duration.ofSeconds(1);
    private static final Duration WARM_UP_RUN = Duration.ofSeconds(4);
    private static final Duration POLL = Duration.ofMillis(1);
    private static final Duration WAIT = Duration.ofSeconds(60);

    private SideBySide() {}

    /**
     * Runs the phases and fills {@code mechanisms}' sections (and the summary's baseline and
     * phases), writing per-second.csv and writes.csv.
     *
     * @param followers the mechanisms by name: physical, logical, trigger, statement
     * @param pgpool    what the statement phase writes through
     */
    public static void run(Lab lab, Node leader, Node pgpool, Map<String, Phases.Mechanism> followers, double rate, int users,
                           Duration phase) {
        lab.say("""
                One workload (%.0f new rentals per second, %d connections) runs through phases of %d s, after a
                few seconds of warm-up. Each phase puts one mechanism on the write path; the followers of the others
                keep streaming:
                  alone      writes go straight to the leader; the physical and logical links are cut and
                             Bucardo's triggers are off: the leader alone, the baseline (first and last)
                  statement  writes go through pgpool
                  plain      straight to the leader again: physical and logical replication stream them
                  trigger    straight to the leader, with Bucardo's triggers on
                Per mechanism: the bytes on all its links, both ways, until its follower has every write of the
                phase; the leader's WAL records (pg_walinspect; full-page images apart, they depend on the last
                checkpoint); write latency (each phase's first second left out: connections move then); and lag,
                from a write's acknowledgement to the first query on the follower that finds its key (one polling
                round, about a millisecond, is the resolution). Writes of a phase that bypasses a follower never
                reach it: postgres-trigger misses those made with the triggers off, postgres-statement those that
                did not go through pgpool.""".formatted(rate, users, phase.toSeconds()));
        var off = Bucardo.setTriggers(leader, false);
        lab.command(leader.psqlCommand() + " -c \"" + off.get(0) + "\"   # and so on for each of Bucardo's " + off.size()
                + " triggers (ENABLE to switch them back on)");
        Wal.inspect(leader);
        var streaming = new ArrayList<>(followers.get("physical").links().values());
        streaming.addAll(followers.get("logical").links().values());
        var workload = new Workload(lab.startNanos(), rate, 0, users);
        workload.start(leader, leader);
        lab.event("Warm-up: " + WARM_UP_RUN.toSeconds() + " s of writes straight to the leader, not measured");
        Wait.sleep(WARM_UP_RUN); // the JIT, the connections and the pages every write touches: not what a phase measures
        var phases = new ArrayList<Phases.Phase>();
        try (var run = new Phases(leader, workload.ledger(), lab.startNanos(), POLL, WAIT)) {
            phases.add(phase(lab, run, phase, followers, "alone", () -> streaming.forEach(Link::cut)));
            phases.add(phase(lab, run, phase, followers, "statement", () -> {
                streaming.forEach(Link::restore); // they catch up on what the leader wrote alone: not measured here
                workload.reroute(pgpool);
            }, "statement"));
            phases.add(phase(lab, run, phase, followers, "plain", () -> workload.reroute(leader), "physical", "logical"));
            phases.add(phase(lab, run, phase, followers, "trigger", () -> Bucardo.setTriggers(leader, true), "trigger"));
            phases.add(phase(lab, run, phase, followers, "alone again", () -> {
                Bucardo.setTriggers(leader, false);
                streaming.forEach(Link::cut);
            }));
            var results = workload.stop();
            var ledger = results.ledger();
            Report.csv(Timeline.perSecond(results), lab.out().resolve("per-second.csv"));
            ledger.writeCsv(lab.out().resolve("writes.csv"));
            streaming.forEach(Link::restore);
            lab.event("Workload stopped: " + ledger.ok() + " writes acknowledged; the physical and logical links are back");
            var lastKey = ledger.lastOk().orElseThrow(() -> new LabException("no write was acknowledged")).key();
            leader.waitForCatchup(followers.get("physical").follower(), WAIT);
            Wait.forRow(followers.get("logical").follower(), "pglab_write", lastKey, WAIT);

            var summary = lab.summary();
            var baselinePhases = List.of(phases.get(0), phases.get(phases.size() - 1));
            var baseline = baselinePhases.get(0).latency(ledger, WARM_UP).copy();
            baseline.add(baselinePhases.get(1).latency(ledger, WARM_UP));
            var base = summary.putObject("baseline");
            baselinePhases.forEach(p -> base.withArray("phases").add(p.name()));
            MechanismReport.wal(base, baselinePhases, ledger);
            base.set("writeLatency", MechanismReport.latency(baseline, null));
            var phasesJson = summary.putArray("phases");
            ObjectNode mechanisms = summary.withObject("mechanisms");
            for (var p : phases) {
                phasesJson.addObject().put("name", p.name()).put("seconds", Math.round((p.endNanos() - p.startNanos()) / 1e8) / 10.0)
                        .put("writes", p.writes(ledger)).put("leaderWalRecordBytes", p.wal().records())
                        .put("leaderWalFullPageImageBytes", p.wal().fullPageImages());
                for (String mechanism : p.measured().keySet()) {
                    MechanismReport.measured(mechanisms.withObject(mechanism), mechanism, p, baseline, ledger, WARM_UP);
                }
            }
        }
    }

    private static Phases.Phase phase(Lab lab, Phases run, Duration length, Map<String, Phases.Mechanism> followers, String name,
                                      Runnable route, String... measured) {
        lab.event("Phase \"" + name + "\"" + (measured.length == 0 ? " (the baseline)" : " (measures " + String.join(", ", measured) + ")"));
        return run.run(name, length, route, List.of(measured).stream().map(followers::get).toList());
    }
}
