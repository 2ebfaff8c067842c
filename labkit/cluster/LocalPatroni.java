//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Patroni cluster of processes on 127.0.0.1: etcd and each member's Patroni run as the server
 * user, with their data in a work dir that is removed at the end (the logs are kept).
 */
public final class LocalPatroni extends Patroni {
    /** Debian's packages for the programs; Patroni 3.0 and etcd 3.4 on bookworm. */
    public static final Map<String, String> PROGRAMS = programs();

    private final PgInstall pg;
    private final Path workDir;
    private final Path logDir;

    private static Map<String, String> programs() {
        var programs = new LinkedHashMap<String, String>(); // in the order the error line names them
        programs.put("patroni", "patroni");
        programs.put("patronictl", "patroni");
        programs.put("etcd", "etcd-server");
        return Collections.unmodifiableMap(programs);
    }

    private LocalPatroni(String scope, PgInstall pg, int base, PatroniConfig.Timing timing, Narrator narrator,
                         Path logDir) {
        super(scope, base, timing, narrator);
        this.pg = pg;
        this.logDir = logDir;
        try {
            this.workDir = Files.createTempDirectory("pglab-patroni-");
        } catch (IOException e) {
            throw new LabException("cannot create a work dir: " + e.getMessage());
        }
        OsUser.chown(workDir);
    }

    /** One line naming whatever of Patroni, patronictl and etcd is not installed, and the packages that bring them. */
    public static void requireInstalled() {
        Tools.requireAll("the local runtime of this lab", PROGRAMS, null);
    }

    /**
     * Checks that Patroni, patronictl and etcd are installed and that PostgreSQL has the programs
     * Patroni runs, then starts etcd.
     */
    public static LocalPatroni start(String scope, PgInstall pg, int base, PatroniConfig.Timing timing,
                                     Narrator narrator, Path logDir) {
        requireInstalled();
        for (String program : List.of("initdb", "pg_ctl", "pg_basebackup", "pg_rewind", "pg_controldata")) {
            pg.tool(program);
        }
        var cluster = new LocalPatroni(scope, pg, base, timing, narrator, logDir);
        try {
            narrator.event("Starting etcd (one member) on port " + cluster.etcdPort());
            Path dir = cluster.workDir.resolve("etcd");
            cluster.etcd = Etcd.start(dir, cluster.etcdPort(), cluster.etcdPort() + 1, dir.resolve("etcd.log"));
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    @Override public String runtime() { return "local"; }

    @Override
    PatroniNode create(String name, Map<String, String> tags, int index) {
        Path nodeDir = workDir.resolve(name);
        try {
            Files.createDirectories(nodeDir);
        } catch (IOException e) {
            throw new LabException("cannot create " + nodeDir + ": " + e.getMessage());
        }
        var config = new PatroniConfig(scope(), name, pgPort(index), linkPort(index), restPort(index), etcd.endpoint(),
                nodeDir, pg.binDir(), timing(), tags);
        config.write(Env.get().root().resolve("conf"));
        return new LocalPatroniNode(config);
    }

    @Override String linkBindAddress() { return "127.0.0.1"; }

    @Override
    public String etcdCommand() {
        return String.join(" ", Etcd.command(Path.of("<data dir>"), etcdPort(), etcdPort() + 1));
    }

    @Override
    String teardownHint() {
        var pids = new ArrayList<String>();
        members().stream().filter(PatroniNode::patroniAlive)
                .forEach(m -> pids.add(String.valueOf(((LocalPatroniNode) m).patroniPid())));
        return "kill " + String.join(" ", pids) + "    (Patroni: each stops its PostgreSQL)\n  kill "
                + etcd.process().orElseThrow().pid() + "    (etcd)\n  rm -rf " + workDir;
    }

    /** A crash-stop of everything: a leader stopped cleanly would hand its key to a replica first. */
    @Override
    void destroy() {
        for (PatroniNode node : members()) {
            try {
                node.kill();
            } catch (RuntimeException e) {
                System.err.println("could not stop " + node.name() + ": " + e.getMessage());
            }
        }
        if (etcd != null) {
            etcd.close();
        }
        LocalRuntime.deleteTree(workDir);
    }

    @Override
    List<String> leftOnDisk() {
        var left = new ArrayList<String>();
        members().stream().filter(PatroniNode::patroniAlive).forEach(m -> left.add("Patroni member " + m.name() + " still runs"));
        if (Files.exists(workDir)) {
            left.add("work dir " + workDir);
        }
        return left;
    }

    @Override
    void saveLogs() {
        try {
            Files.createDirectories(logDir);
            for (PatroniNode member : members()) {
                var node = (LocalPatroniNode) member;
                copy(node.postgresLog(), logDir.resolve(node.name() + ".log"));
                copy(node.config().patroniLog(), logDir.resolve(node.name() + ".patroni.log"));
            }
            if (etcd != null && etcd.process().isPresent()) {
                copy(etcd.process().get().log(), logDir.resolve("etcd.log"));
            }
        } catch (IOException e) {
            System.err.println("could not keep the logs in " + logDir + ": " + e.getMessage());
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        if (Files.exists(from)) {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
