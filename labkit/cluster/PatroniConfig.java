//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One member's Patroni configuration file. Written as JSON, which is YAML too (Patroni reads
 * it with its YAML parser), from Jackson's tree rather than from text, so that no value needs
 * quoting by hand. The settings shared by both runtimes stay in conf/: replication.conf is the
 * member's {@code custom_conf} (Patroni adds its own settings after it) and pg_hba.conf its
 * {@code hba_file}.
 *
 * @param scope     the cluster's name (Patroni's keys live under /service/&lt;scope&gt;/ in etcd)
 * @param name      the member, named like the node (its application_name on the primary)
 * @param pgPort    where PostgreSQL listens on 127.0.0.1
 * @param connectPort where the other members reach it: the node's replication link in front of pgPort
 * @param restPort  Patroni's REST API
 * @param etcd      host:port of etcd's client API
 * @param nodeDir   the member's folder: data/, the copied conf files, pgpass, patroni/ (its log)
 * @param binDir    PostgreSQL's programs (initdb, pg_ctl, pg_basebackup, pg_rewind, pg_controldata)
 * @param timing    ttl, loop_wait, retry_timeout: the failover's clock
 * @param tags      e.g. replicatefrom: the member a cascading standby streams from
 */
public record PatroniConfig(String scope, String name, int pgPort, int connectPort, int restPort, String etcd,
                            Path nodeDir, Path binDir, Timing timing, Map<String, String> tags) {

    /** The DCS settings that decide how fast a failover can be (seconds). */
    public record Timing(int ttl, int loopWait, int retryTimeout) {
        public Timing {
            // Patroni's own rule: a leader must be able to retry a failed etcd update twice within one ttl
            if (loopWait + 2 * retryTimeout > ttl) {
                throw new LabException("Patroni needs loop_wait + 2 * retry_timeout <= ttl (got ttl " + ttl
                        + ", loop_wait " + loopWait + ", retry_timeout " + retryTimeout + ")");
            }
        }
    }

    /**
     * A patch of the cluster-wide settings (PATCH /config) that sets one PostgreSQL parameter, or
     * removes it when {@code value} is null.
     */
    public static ObjectNode parameter(String name, String value) {
        var patch = Etcd.JSON.createObjectNode();
        patch.putObject("postgresql").putObject("parameters").put(name, value);
        return patch;
    }

    public PatroniConfig withConnectPort(int port) {
        return new PatroniConfig(scope, name, pgPort, port, restPort, etcd, nodeDir, binDir, timing, tags);
    }

    public Path dataDir() {
        return nodeDir.resolve("data");
    }

    public Path file() {
        return nodeDir.resolve(name + ".yml");
    }

    public Path patroniLog() {
        return nodeDir.resolve("patroni").resolve("patroni.log");
    }

    /** Writes the file, with conf/'s replication.conf and pg_hba.conf copied next to it. */
    public Path write(Path confDir) {
        try {
            Files.createDirectories(patroniLog().getParent());
            Files.copy(confDir.resolve("replication.conf"), nodeDir.resolve("replication.conf"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(confDir.resolve("pg_hba.conf"), nodeDir.resolve("pg_hba.conf"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(file(), Etcd.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(tree()));
        } catch (IOException e) {
            throw new LabException("cannot write the Patroni configuration of " + name + ": " + e.getMessage());
        }
        OsUser.chown(nodeDir);
        return file();
    }

    ObjectNode tree() {
        var env = Env.get();
        ObjectNode root = Etcd.JSON.createObjectNode();
        root.put("scope", scope).put("name", name);
        root.putObject("log").put("dir", patroniLog().getParent().toString()).put("level", "INFO");
        root.putObject("restapi").put("listen", "127.0.0.1:" + restPort).put("connect_address", "127.0.0.1:" + restPort);
        root.putObject("etcd3").put("hosts", etcd);

        ObjectNode bootstrap = root.putObject("bootstrap");
        ObjectNode dcs = bootstrap.putObject("dcs");
        dcs.put("ttl", timing.ttl()).put("loop_wait", timing.loopWait()).put("retry_timeout", timing.retryTimeout())
                .put("maximum_lag_on_failover", 1048576)
                // A leader whose etcd call outlasts retry_timeout (etcd starved of CPU on a busy machine) would
                // demote itself; in failsafe mode it keeps its role while every member confirms it over REST.
                .put("failsafe_mode", true);
        dcs.putObject("postgresql").put("use_pg_rewind", true).put("use_slots", true)
                .putObject("parameters").put("wal_log_hints", "on")
                // two application servers of 32 connections each, and the kit's own (Patroni's default is 100)
                .put("max_connections", 200);
        bootstrap.putArray("initdb").add("data-checksums")
                .add(Etcd.JSON.createObjectNode().put("encoding", "UTF8"))
                .add(Etcd.JSON.createObjectNode().put("locale", "C"));

        ObjectNode pg = root.putObject("postgresql");
        pg.put("listen", "127.0.0.1:" + pgPort).put("connect_address", "127.0.0.1:" + connectPort)
                .put("data_dir", dataDir().toString()).put("bin_dir", binDir.toString())
                .put("pgpass", nodeDir.resolve("pgpass").toString())
                .put("custom_conf", nodeDir.resolve("replication.conf").toString());
        // a fast checkpoint: a new replica's base backup starts at once instead of after a spread checkpoint
        pg.putArray("basebackup").add(Etcd.JSON.createObjectNode().put("checkpoint", "fast"));
        pg.putObject("parameters").put("hba_file", nodeDir.resolve("pg_hba.conf").toString())
                .put("unix_socket_directories", ""); // TCP only: no socket lock file left after a crash
        ObjectNode auth = pg.putObject("authentication");
        auth.putObject("superuser").put("username", env.superuser()).put("password", env.superuserPassword());
        auth.putObject("replication").put("username", env.replicationUser()).put("password", env.replicationPassword());
        if (!tags.isEmpty()) {
            ObjectNode t = root.putObject("tags");
            tags.forEach(t::put);
        }
        return root;
    }
}
