//DEPS info.picocli:picocli:4.7.7
//DEPS tech.tablesaw:tablesaw-core:0.44.4
package labkit.notebook;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import labkit.cluster.Cluster;
import labkit.cluster.LabException;
import labkit.cluster.Link;
import labkit.cluster.Node;
import labkit.cluster.NodeRuntime;
import labkit.cluster.Sql;
import labkit.measure.Audit;
import labkit.measure.Latency;
import labkit.workload.K6;
import labkit.workload.LoadDriver;
import labkit.workload.Pagila;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.Table;

/**
 * What playground.jsh leaves a student with in JShell: the Module 1 cluster (postgres-primary with
 * Pagila, postgres-standby streaming from it through the lab's link) and the verbs of its cheat
 * sheet. Verbs that need "the primary" ask the nodes which one it is now (the one running out of
 * recovery), so they keep working after a failover whatever the student's variables say. Everything
 * the verbs print also goes to out/playground/report.md. The cluster goes when JShell ends
 * (/exit, Ctrl+D): the JVM exits and the cluster's shutdown hook tears it down.
 */
public final class Playground {
    /** The lag columns of pg_stat_replication, in units that fit a line (its intervals are NULL once idle). */
    private static final String LAG_QUERY = "SELECT application_name, state, sync_state, "
            + "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS bytes_behind, "
            + "round(1000 * extract(epoch FROM write_lag), 1) AS write_lag_ms, "
            + "round(1000 * extract(epoch FROM replay_lag), 1) AS replay_lag_ms FROM pg_stat_replication";

    @Command(name = "playground", mixinStandardHelpOptions = true, version = "pglab 0.1.0", sortOptions = false,
            description = {"The Module 1 cluster, live in JShell: ./jbang playground.jsh [options].",
                    "postgres-primary with Pagila, postgres-standby streaming from it through a link",
                    "that delays each packet; then the JShell prompt with a cheat sheet of verbs.",
                    "/exit or Ctrl+D tears the cluster down."})
    static final class Opening implements Callable<Integer> {
        @Mixin LabOptions options;
        @Mixin WorkloadOptions load;
        Playground playground;

        @Override
        public Integer call() {
            playground = new Playground(this);
            return 0;
        }
    }

    private final Lab lab;
    private final WorkloadOptions load;
    private final Cluster cluster;
    private final K6 k6;
    private final List<Node> nodes = new ArrayList<>();
    private final Link link;
    private LoadDriver workload;
    private LoadDriver.Results lastRun;

    /**
     * Starts the cluster and prints the cheat sheet. Where there is nothing to explore (--help,
     * bad options, a cluster that did not start) it ends the JVM, and so JShell, with the lab's exit
     * status: the one way a script in JShell can say "failed" to the shell that ran it.
     */
    public static Playground open(String... args) {
        var opening = new Opening();
        int status = Lab.execute(opening, args);
        if (opening.playground == null) {
            System.exit(status);
        }
        return opening.playground;
    }

    private Playground(Opening opening) {
        this.load = opening.load;
        this.lab = Lab.start("playground", "Playground: the Module 1 cluster, live in JShell", opening.options);
        this.cluster = Cluster.create(lab.clusterOptions(), lab);
        try {
            k6 = load.k6(cluster.composeCommand());
            Node primary = cluster.primary("postgres-primary");
            Pagila.loadOnto(primary, opening.options.dataset, opening.options.scale, lab);
            var remote = cluster.remoteStandby(primary, "postgres-standby", load.linkDelay, load.jitter);
            primary.waitForCatchup(remote.node(), Duration.ofSeconds(60));
            nodes.add(primary);
            nodes.add(remote.node());
            link = remote.link();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        help();
    }

    public Cluster cluster() { return cluster; }
    public Node primary() { return nodes.get(0); }
    public Node standby() { return nodes.get(1); }
    /** The replication link between them: {@code link.delay(…)}, {@code link.cut()}, {@code link.restore()}. */
    public Link link() { return link; }

    /** The cheat sheet. */
    public void help() {
        Node primary = primary();
        Node standby = standby();
        lab.result(String.format(Locale.ROOT, """
                %s (port %d) streams to %s (port %d) through a link
                that delays each packet %d ms each way. In JShell, with primary, standby, cluster, link:
                  sql(standby, "SELECT count(*) FROM rental")   run SQL on a node, print the result
                  lag()                           how far behind each standby is (pg_stat_replication)
                  startWorkload()  stopWorkload() rentals to the primary (%.0f/s), browsing a standby (%.0f/s)
                  audit(standby)                  acknowledged writes of the last workload missing there
                  kill(primary)  stop(primary)  start(primary)   crash a node, stop it cleanly, start it again
                  link.cut()                      before a kill: WAL in flight never arrives (zone failure)
                  promote(standby)                make a standby a primary (failover)
                  rejoin(primary, standby)        the old primary back as a standby of the new one
                  var old = primary; primary = standby; standby = old;   roles are variables: swap them
                  link.delay(Duration.ofMillis(200), Duration.ZERO)      a slower link: watch lag() grow
                  help()                          this list;  /exit or Ctrl+D: tear everything down
                psql:  %s
                       %s""", primary.name(), primary.port(), standby.name(), standby.port(), load.linkDelay.toMillis(),
                load.rate, load.readRate, primary.psqlCommand(), standby.psqlCommand()));
    }

    /** Runs {@code query} on {@code node}, showing the psql line that does the same, and prints the result. */
    public void sql(Node node, String query) {
        attempt(() -> lab.show(node, query));
    }

    /** pg_stat_replication on every node that is primary now, and the workload's writes so far. */
    public void lag() {
        attempt(() -> {
            var primaries = primaries();
            if (primaries.isEmpty()) {
                lab.result("No node is a primary now (none runs out of recovery): promote one, e.g. promote(standby)");
            }
            primaries.forEach(p -> lab.show(p, LAG_QUERY));
            if (workload != null) {
                var ledger = workload.ledger();
                lab.result(String.format("Workload so far: %,d writes ok, %,d failed, %,d unknown.", ledger.ok(),
                        ledger.failed(), ledger.unknown()));
            }
        });
    }

    /** Rentals to the node that is primary now, browsing on a running standby (or the primary). */
    public void startWorkload() {
        attempt(() -> {
            if (workload != null) {
                throw new LabException("a workload already runs: stopWorkload() first");
            }
            Node writeTo = thePrimary();
            Node readFrom = nodes.stream().filter(n -> n != writeTo && n.isRunning() && n.inRecovery()).findFirst()
                    .orElse(writeTo);
            var driver = load.driver(lab, k6);
            driver.start(writeTo, readFrom);
            workload = driver;
            lab.event(String.format(Locale.ROOT, "Workload started: %.0f writes/s to \"%s\", %.0f reads/s on \"%s\"",
                    load.rate, writeTo.name(), load.readRate, readFrom.name()));
        });
    }

    /** Stops the workload and prints what its writes and reads met. */
    public void stopWorkload() {
        attempt(() -> {
            if (workload == null) {
                throw new LabException("no workload runs: startWorkload() first");
            }
            lastRun = workload.stop();
            workload = null;
            lab.event("Workload stopped");
            var ledger = lastRun.ledger();
            var latency = Latency.ofWrites(ledger);
            lab.table(Table.create("the workload's operations",
                    LongColumn.create("writes_ok", ledger.ok()), LongColumn.create("writes_failed", ledger.failed()),
                    LongColumn.create("writes_unknown", ledger.unknown()),
                    DoubleColumn.create("write_p50_ms", Latency.round(Latency.percentileMs(latency, 50))),
                    DoubleColumn.create("write_p99_ms", Latency.round(Latency.percentileMs(latency, 99))),
                    LongColumn.create("reads_ok", lastRun.reads().stream().filter(LoadDriver.Read::ok).count()),
                    LongColumn.create("reads_failed", lastRun.reads().stream().filter(r -> !r.ok()).count())));
        });
    }

    /** A crash (SIGKILL, or docker kill): the event is stamped when the signal went, as the labs' faults are. */
    public void kill(Node node) {
        attempt(() -> {
            double at = lab.elapsed();
            node.kill();
            lab.eventAt(at, "Killed node \"" + node.name() + "\" (crash)");
        });
    }

    /** A clean stop (pg_ctl stop -m fast, or docker stop). */
    public void stop(Node node) {
        attempt(node::stop, "Stopped", node);
    }

    /** Starts a stopped or crashed node again (a crashed one runs crash recovery first). */
    public void start(Node node) {
        attempt(node::start, "Started", node);
    }

    /** Makes a standby a primary: a failover by hand. */
    public void promote(Node node) {
        attempt(node::promote, "Promoted", node);
    }

    /** A node's own verb, then its line as the labs print it ("### Stopped node …"). */
    private void attempt(Runnable verb, String done, Node node) {
        attempt(() -> {
            verb.run();
            lab.event(done + " node \"" + node.name() + "\"");
        });
    }

    /** The last workload's ledger against {@code node}: acknowledged writes absent there are lost. */
    public void audit(Node node) {
        attempt(() -> {
            if (lastRun == null) {
                throw new LabException(workload != null ? "stopWorkload() first: the audit needs the finished ledger"
                        : "no workload has run yet: startWorkload(), then stopWorkload()");
            }
            var audit = Audit.on(lastRun.ledger(), node);
            lab.table(Report.audit(audit));
            if (audit.lostAcked() > 0) {
                lab.table(Report.lostWrites(audit, 5));
            }
        });
    }

    /**
     * {@code oldPrimary} back as a standby of {@code newPrimary}: stopped if it still runs, rewound
     * with pg_rewind to the fork point, then streaming through a link like the first one.
     */
    public void rejoin(Node oldPrimary, Node newPrimary) {
        attempt(() -> {
            if (newPrimary.inRecovery()) {
                throw new LabException(newPrimary.name() + " is a standby: promote it first");
            }
            if (oldPrimary.isRunning()) {
                oldPrimary.stop();
                lab.event("Stopped node \"" + oldPrimary.name() + "\"");
            }
            // the cluster's rejoin: CHECKPOINT, pg_rewind (or a fresh base backup), a link like the first one
            cluster.rejoinAsStandby(oldPrimary, newPrimary, load.linkDelay, load.jitter);
            lab.show(newPrimary, "SELECT application_name, state, sync_state FROM pg_stat_replication");
        });
    }

    private List<Node> primaries() {
        return nodes.stream().filter(n -> n.isRunning() && !inRecoveryOrDown(n)).toList();
    }

    /** A node that refuses the query (starting, shutting down) counts as no primary. */
    private static boolean inRecoveryOrDown(Node node) {
        try {
            return node.inRecovery();
        } catch (LabException e) {
            return true;
        }
    }

    private Node thePrimary() {
        var primaries = primaries();
        if (primaries.size() != 1) {
            throw new LabException(primaries.isEmpty() ? "no node is a primary now: promote one, e.g. promote(standby)"
                    : "two nodes accept writes (split brain: " + primaries.get(0).name() + " and " + primaries.get(1).name()
                    + "): rejoin(oldPrimary, newPrimary) makes the old one a standby again");
        }
        return primaries.get(0);
    }

    /** In JShell a verb that fails says why in one line, instead of a stack trace. */
    private void attempt(Runnable verb) {
        try {
            verb.run();
        } catch (LabException e) {
            lab.result("error: " + e.getMessage());
        }
    }
}
