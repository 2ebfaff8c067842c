//DEPS org.postgresql:postgresql:42.7.8
package labkit.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/**
 * One PostgreSQL server, named as everywhere else (compose service, container, cluster_name,
 * application_name, data directory, log prefix). The verbs follow PostgreSQL's own
 * src/test/perl/PostgreSQL/Test/Cluster.pm. Roles are not part of a node: after a failover,
 * the lab simply says {@code primary = standby}.
 */
public interface Node {

    String name();

    /** Where the kit (and a student's psql) reaches the server: always this machine. */
    String host();

    int port();

    /** Which runtime the node lives in ("local" or "docker"). */
    String runtime();

    /** Start the server and wait until it accepts connections. */
    void start();

    /** Fast shutdown (pg_ctl stop -m fast, docker stop). */
    void stop();

    /** A crash: SIGKILL to the postmaster and every child, like {@code docker kill}. */
    void kill();

    /** {@code pg_ctl promote}; returns when the node is out of recovery. */
    void promote();

    /** Append lines to the node's configuration (postgresql.auto.conf style, takes effect on reload/restart). */
    void appendConf(String lines);

    /** {@code SELECT pg_reload_conf()}. */
    default void reload() {
        Sql.exec(this, "SELECT pg_reload_conf()");
    }

    /**
     * Runs {@code ALTER SYSTEM SET <name> = <value>} ({@code value} as SQL writes it, quotes
     * included), then {@code SELECT pg_reload_conf()}; returns the SQL it ran, on one line, for
     * the lab to show.
     */
    default String alterSystem(String name, String value) {
        String sql = "ALTER SYSTEM SET " + name + " = " + value;
        Sql.exec(this, sql);
        reload();
        return sql + "; SELECT pg_reload_conf();";
    }

    /** {@link #stop} then {@link #start}: for settings a reload does not change (wal_level). */
    default void restart() {
        stop();
        start();
    }

    boolean isRunning();

    /** The last lines of the server log. */
    List<String> logTail(int lines);

    /** The command a student types to get a psql prompt on this node. */
    String psqlCommand();

    /** Superuser connection to the lab's database. */
    default Connection connect() throws SQLException {
        return connect(Env.get().database());
    }

    default Connection connect(String database) throws SQLException {
        return superuserConnection(jdbcUrl(database));
    }

    /** A connection to this node through {@code link}: its packets cross the link's delays both ways. */
    default Connection connectThrough(Link link) throws SQLException {
        return superuserConnection("jdbc:postgresql://" + link.host() + ":" + link.port() + "/" + Env.get().database());
    }

    private static Connection superuserConnection(String url) throws SQLException {
        var env = Env.get();
        var props = new java.util.Properties();
        props.setProperty("user", env.superuser());
        props.setProperty("password", env.superuserPassword());
        props.setProperty("ApplicationName", "pglab");
        props.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(url, props);
    }

    default String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    default String version() {
        return Sql.scalar(this, "SHOW server_version");
    }

    /** The server's version number without a packager's suffix: "15.18", not "15.18 (Debian 15.18-0+deb12u1)". */
    default String versionNumber() {
        return version().split(" ")[0];
    }

    /** {@code pg_current_wal_lsn()} on a primary, {@code pg_last_wal_replay_lsn()} on a standby. */
    default String lsn() {
        return Sql.scalar(this,
                "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END");
    }

    default boolean inRecovery() {
        return "t".equals(Sql.scalar(this, "SELECT pg_is_in_recovery()")); // booleans come back as t/f
    }

    /** Waits until {@code standby} has replayed everything this node has written so far. */
    default void waitForCatchup(Node standby, Duration timeout) {
        String target = lsn();
        Wait.until("standby " + standby.name() + " replays up to " + target,
                standby, "SELECT pg_last_wal_replay_lsn() >= '" + target + "'::pg_lsn", "t", timeout);
    }

    /**
     * On a standby whose primary is gone: waits until it has replayed all the WAL it received that
     * can be replayed. A primary cut off in the middle of a record leaves that partial record at the
     * end of what the standby received, and recovery never replays it (seen here: "invalid magic
     * number 0000 in log segment", then replay stood still for good): so a replay position that
     * stands still for 2 s while no WAL receiver streams counts as done.
     */
    default void waitForReplayOfReceived(Duration timeout) {
        final Duration still = Duration.ofSeconds(2);
        String query = "SELECT CASE WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 'all' "
                + "WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 'streaming' "
                + "ELSE pg_last_wal_replay_lsn()::text END";
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        long since = System.nanoTime();
        while (true) {
            String now = Sql.scalar(this, query);
            if (now.equals("all") || now.equals(last) && !now.equals("streaming") && System.nanoTime() - since >= still.toNanos()) {
                return;
            }
            if (!now.equals(last)) {
                last = now;
                since = System.nanoTime();
            }
            if (System.nanoTime() > deadline) {
                throw new LabException("timed out after " + timeout.toSeconds() + " s waiting for " + name()
                        + " to replay the WAL it received: on " + name() + " `" + query + "` last saw " + last);
            }
            Wait.sleep(Duration.ofMillis(100));
        }
    }

}
