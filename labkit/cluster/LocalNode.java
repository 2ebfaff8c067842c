package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A PostgreSQL server process on 127.0.0.1, its data directory under the lab's work dir. */
final class LocalNode implements Node {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(5);

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

    /**
     * SIGKILL to the postmaster and each child by PID: they are not in the postmaster's process group.
     * Returns once none of them runs: a killed process that nobody has reaped yet (a zombie) holds no
     * port or file, and PID 1 of a container may take seconds to reap orphans, so zombies count as
     * gone; the wait is bounded all the same.
     */
    @Override
    public void kill() {
        postmaster().ifPresent(postmaster -> {
            List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
            all.add(0, postmaster);
            all.forEach(ProcessHandle::destroyForcibly);
            long deadline = System.nanoTime() + KILL_TIMEOUT.toNanos();
            // onExit() of a process that is not our child is polled slowly; a crash is quick to check
            while (all.stream().anyMatch(LocalNode::runs)) {
                if (System.nanoTime() > deadline) {
                    throw new LabException("node " + name + " still runs " + KILL_TIMEOUT.toSeconds()
                            + " s after SIGKILL (PID " + postmaster.pid() + ")");
                }
                Wait.sleep(java.time.Duration.ofMillis(5));
            }
        });
    }

    /** Alive and not a zombie (state Z in /proc/PID/stat: dead, waiting to be reaped). */
    static boolean runs(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return process.isAlive(); // no /proc (macOS): alive is all there is to know
        }
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
        return postmaster().isPresent();
    }

    @Override
    public List<String> logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile);
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public String psqlCommand() {
        var env = Env.get();
        return "PGPASSWORD=" + env.superuserPassword() + " psql -h 127.0.0.1 -p " + port + " -U " + env.superuser() + " " + env.database();
    }

    /**
     * The live postmaster, from the first line of postmaster.pid: only a running process whose
     * command line names this data directory. A crashed server leaves its postmaster.pid, and the
     * PID in it may belong to another process by now: that one must never be signalled.
     */
    private Optional<ProcessHandle> postmaster() {
        try {
            String pid = Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip();
            return ProcessHandle.of(Long.parseLong(pid)).filter(LocalNode::runs)
                    .filter(p -> p.info().commandLine().map(c -> c.contains(dataDir.toString())).orElse(true));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private String lastLogLine() {
        List<String> tail = logTail(5);
        return tail.stream().filter(l -> l.contains("FATAL") || l.contains("ERROR")).reduce((a, b) -> b)
                .orElse(tail.isEmpty() ? "no log written" : tail.get(tail.size() - 1));
    }

    void pgCtl(Duration timeout, String action, String... args) {
        var cmd = new ArrayList<>(List.of(pg.tool("pg_ctl").toString(), action, "-D", dataDir.toString()));
        cmd.addAll(List.of(args));
        Processes.run(OsUser.asServerUser(cmd), Map.of(), timeout);
    }
}
