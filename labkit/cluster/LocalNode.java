package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A PostgreSQL server process on 127.0.0.1, its data directory under the lab's work dir. */
final class LocalNode implements Node {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private volatile int port;
    private final Path dataDir;
    private final Path logFile;
    private final PgInstall pg;
    private final Path keptLog;
    private final java.util.function.IntUnaryOperator portWhenTaken;

    /**
     * @param keptLog       where teardown keeps the log (out/&lt;lab&gt;/logs/&lt;name&gt;.log): what error lines point at
     * @param portWhenTaken another port for one that another program took between its check and the
     *                      server binding it; null when the port was asked for (--port)
     */
    LocalNode(String name, int port, Path nodeDir, PgInstall pg, Path keptLog,
              java.util.function.IntUnaryOperator portWhenTaken) {
        this.keptLog = keptLog;
        this.portWhenTaken = portWhenTaken;
        this.name = name;
        this.port = port;
        this.dataDir = nodeDir.resolve("data");
        this.logFile = nodeDir.resolve(name + ".log");
        this.pg = pg;
    }

    @Override public String name() { return name; }
    @Override public String host() { return "127.0.0.1"; }
    @Override public int port() { return port; }
    @Override public String runtime() { return "local"; }

    Path dataDir() { return dataDir; }
    Path logFile() { return logFile; }

    /** Starts the server; when its port was taken meanwhile ("could not create any TCP/IP sockets"), on another. */
    @Override
    public void start() {
        for (int attempt = 1; ; attempt++) {
            try {
                pgCtl(START_TIMEOUT, "start", "-w", "-t", String.valueOf(START_TIMEOUT.toSeconds()), "-l", logFile.toString());
                return;
            } catch (LabException e) {
                boolean portTaken = logTail(5).stream().anyMatch(l -> l.contains("could not create any TCP/IP sockets"));
                if (portTaken && portWhenTaken != null && attempt < 3) {
                    port = portWhenTaken.applyAsInt(port);
                    appendConf("port = " + port + "    # the one before was taken");
                    continue;
                }
                throw new LabException("node " + name + " did not start: " + lastLogLine() + " (full log: " + keptLog + ")");
            }
        }
    }

    @Override
    public void stop() {
        pgCtl(Duration.ofSeconds(60), "stop", "-m", "fast", "-w");
    }

    /** A crash: SIGKILL to the postmaster and each of its children ({@link Postmaster#kill}). */
    @Override
    public void kill() {
        Postmaster.kill(dataDir, name);
    }

    @Override
    public void promote() {
        pgCtl(Duration.ofSeconds(60), "promote", "-w");
    }

    @Override
    public void appendConf(String lines) {
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), "\n" + lines.strip() + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new LabException("cannot write the configuration of " + name + ": " + e.getMessage());
        }
    }

    @Override
    public boolean isRunning() {
        return Postmaster.of(dataDir).isPresent();
    }

    @Override
    public List<String> logTail(int lines) {
        return ServerLog.tail(logFile, lines);
    }

    @Override
    public String psqlCommand() {
        return psql(port);
    }

    /** The psql line for a server (or a proxy) on this machine's {@code port}. */
    static String psql(int port) {
        var env = Env.get();
        return "PGPASSWORD=" + env.superuserPassword() + " psql -h 127.0.0.1 -p " + port + " -U " + env.superuser() + " " + env.database();
    }

    /** The last FATAL or ERROR line of the log with the DETAIL line PostgreSQL wrote after it (the why). */
    private String lastLogLine() {
        List<String> tail = logTail(10);
        for (int i = tail.size() - 1; i >= 0; i--) {
            if (tail.get(i).contains("FATAL") || tail.get(i).contains("ERROR")) {
                boolean detail = i + 1 < tail.size() && tail.get(i + 1).contains("DETAIL:");
                return detail ? tail.get(i) + " " + tail.get(i + 1).substring(tail.get(i + 1).indexOf("DETAIL:")) : tail.get(i);
            }
        }
        return tail.isEmpty() ? "no log written" : tail.get(tail.size() - 1);
    }

    void pgCtl(Duration timeout, String action, String... args) {
        var cmd = new ArrayList<>(List.of(pg.tool("pg_ctl").toString(), action, "-D", dataDir.toString()));
        cmd.addAll(List.of(args));
        Processes.run(OsUser.asServerUser(cmd), Map.of(), timeout);
    }
}
