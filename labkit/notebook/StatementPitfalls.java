//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.notebook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import labkit.cluster.Cluster;
import labkit.cluster.Node;
import labkit.cluster.Pgpool;
import labkit.cluster.Sql;
import labkit.cluster.Wait;
import labkit.measure.Compare;
import labkit.measure.CrossVersion;
import labkit.measure.InsertLock;

/**
 * What breaks statement-based replication, shown with pgpool-II in native replication mode and
 * the lab's own rows: non-deterministic functions computed once per node, a write that bypasses
 * pgpool, insert_lock's cost, DDL (which it does carry) and mixed majors (a login fails). Each is
 * tried and recorded in the mechanisms' sections of summary.json.
 */
public final class StatementPitfalls {
    private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(60);

    private StatementPitfalls() {}

    /**
     * @param nodes      the leader first ("(the leader)"), then each mechanism's follower by the mechanism's name; the
     *                   "statement" one is pgpool's second backend
     * @param otherMajor a node of another major, for pgpool in front of mixed majors
     * @param clients    how many clients insert at once in the insert_lock trial
     */
    public static void show(Lab lab, Cluster cluster, Pgpool pgpool, Map<String, Node> nodes, Node otherMajor, int clients,
                            ObjectNode mechanisms) {
        Node leader = nodes.get("(the leader)");
        Node replica = nodes.get("statement");
        var stmt = mechanisms.withObject("statement");

        lab.say("""
                The classic breakage: a row made of random(), clock_timestamp() and now(), inserted once through
                pgpool, is computed twice, once by each node.""");
        String insert = "INSERT INTO lab05_probe (key, random, clock, now) VALUES ('nondeterministic', random(), "
                + "clock_timestamp(), now())";
        lab.command(pgpool.psqlCommand() + " -c \"" + insert + "\"");
        Sql.exec(pgpool, insert);
        nodes.values().forEach(n -> Wait.forRow(n, "lab05_probe", "nondeterministic", WAIT));
        var rows = Compare.onEach("lab05_probe, key 'nondeterministic'", nodes, "SELECT random::text AS random, "
                + "clock::text AS clock_timestamp, now::text AS now FROM lab05_probe WHERE key = 'nondeterministic'");
        lab.table(rows);
        pgpool.statementsContaining("'nondeterministic'").stream().filter(st -> st.sql().startsWith("INSERT")).limit(1)
                .forEach(st -> lab.result("pgpool's log, what node " + st.node() + " was sent: " + st.sql()));
        lab.say("now() is the same: pgpool replaced it by a constant before sending. random() and clock_timestamp() are not.");
        MechanismReport.nondeterministic(mechanisms, rows);

        lab.say("""
                A write that bypasses pgpool reaches the leader only, and reads through pgpool hide that: the kit sets
                load_balance_mode = off, so they all go to the leader, which has the row. With pgpool's default (on),
                a read could go to the other node, which lacks it.""");
        Sql.exec(leader, "INSERT INTO pglab_write (key) VALUES ('bypass')");
        String bypass = "SELECT count(*) AS rows FROM pglab_write WHERE key = 'bypass'";
        var readOn = new LinkedHashMap<String, Node>();
        readOn.put("(through pgpool)", pgpool);
        readOn.put("(the leader)", leader);
        readOn.put("statement", replica);
        lab.table(Compare.onEach("key 'bypass'", readOn, bypass));
        stmt.put("bypassDiverged", !"1".equals(Sql.scalar(replica, bypass)));

        lab.say("""
                insert_lock: before an insert into a table with a serial column, pgpool locks that table on the main
                node only. Concurrent inserts then run one at a time, in the same order on every node, so the nodes
                hand out the same numbers. %d clients insert into lab05_probe at once, with the lock and with
                /*NO INSERT LOCK*/ (pgpool's own comment to skip it).""".formatted(clients));
        var arms = InsertLock.compare(pgpool, leader, replica, "lab05_probe", "n", clients, 25);
        lab.table(InsertLock.table(arms));
        InsertLock.writeTo(stmt, arms);

        lab.say("DDL through pgpool is a statement like any other: both nodes run it.");
        Sql.exec(pgpool, "CREATE TABLE lab05_ddl (id int PRIMARY KEY)");
        stmt.put("ddlReplicated", Sql.hasTable(leader, "lab05_ddl") && Sql.hasTable(replica, "lab05_ddl"));

        lab.say("Mixed majors: pgpool in front of the leader and " + otherMajor.name() + " (PostgreSQL "
                + otherMajor.versionNumber() + ").");
        var cross = CrossVersion.tried(leader.versionNumber(), otherMajor.versionNumber(), () -> Pgpool.start(
                cluster, "pgpool-mixed", List.of(cluster.nodeRuntime().endpointSeenFromNodes(leader),
                        cluster.nodeRuntime().endpointSeenFromNodes(otherMajor)), 2).close());
        cross.writeTo(stmt);
        lab.result(cross.works() ? "A login through it worked." : cross.error());
    }
}
