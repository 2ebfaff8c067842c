package labkit.cluster;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A long-running program of a lab that is not PostgreSQL itself (etcd, Patroni), started as the
 * server user, its output appended to a log file. Its verbs are the signals an operator sends:
 * {@link #terminate} (SIGTERM, the program shuts down its own way) and {@link #kill} (SIGKILL).
 */
public final class ServerProcess {
    private static final Duration WRAPPER_FORK = Duration.ofSeconds(5);

    private final String name;
    private final Process started;
    private final ProcessHandle program;
    private final Path log;

    private ServerProcess(String name, Process started, ProcessHandle program, Path log) {
        this.name = name;
        this.started = started;
        this.program = program;
        this.log = log;
    }

    /**
     * Starts {@code command} as the server user. The environment loses every PG* variable: libpq
     * prefers PGPASSWORD to a passfile, so a student's PGPASSWORD would make Patroni's replication
     * and pg_rewind connections log in with the wrong password (seen: "password authentication
     * failed for user replicator" after a restart from such a shell).
     */
    public static ServerProcess start(String name, List<String> command, Path log) {
        List<String> wrapped = OsUser.asServerUser(command);
        var builder = new ProcessBuilder(wrapped).redirectErrorStream(true).redirectOutput(Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(variable -> variable.startsWith("PG"));
        Process process;
        try {
            Files.createDirectories(log.getParent());
            process = builder.start();
        } catch (IOException e) {
            throw new LabException("cannot start " + name + " (" + command.get(0) + "): " + e.getMessage());
        }
        ProcessHandle program = wrapped.size() == command.size() ? process.toHandle() : forkedChild(process, name, log);
        return new ServerProcess(name, process, program, log);
    }

    /** runuser and sudo fork the program and wait for it: signals must go to that child, not to them. */
    private static ProcessHandle forkedChild(Process wrapper, String name, Path log) {
        long deadline = System.nanoTime() + WRAPPER_FORK.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> child = wrapper.toHandle().children().findFirst();
            if (child.isPresent()) {
                return child.get();
            }
            if (!wrapper.isAlive()) {
                break;
            }
            Wait.sleep(Duration.ofMillis(10));
        }
        throw new LabException(name + " did not start: " + lastLine(log));
    }

    public String name() { return name; }

    public long pid() { return program.pid(); }

    public Path log() { return log; }

    public boolean isAlive() {
        return program.isAlive();
    }

    /** The processes the program started (Patroni's postmaster), as they are now. */
    public List<ProcessHandle> children() {
        return program.children().toList();
    }

    /** SIGTERM, then waits for the program to exit; SIGKILL if it has not within {@code grace}. */
    public void terminate(Duration grace) {
        if (!program.isAlive()) {
            return;
        }
        program.destroy();
        if (!waitForExit(grace)) {
            kill();
        }
    }

    /** SIGKILL to the program alone: what it started (a postmaster) lives on, as after a crash of the program. */
    public void kill() {
        program.destroyForcibly();
        waitForExit(Duration.ofSeconds(10));
    }

    private boolean waitForExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // onExit() of a process that is not our child is polled slowly; a short poll is quicker
        while (program.isAlive() && System.nanoTime() < deadline) {
            Wait.sleep(Duration.ofMillis(5));
        }
        if (program.isAlive()) {
            return false;
        }
        try {
            started.waitFor(2, TimeUnit.SECONDS); // a wrapper follows its child at once: reap it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    /** The last non-empty line of the program's log, for a one-line error. */
    public String lastLogLine() {
        return lastLine(log);
    }

    private static String lastLine(Path log) {
        try {
            return Processes.lastLine(Files.readString(log));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + program.pid() + ")";
    }
}
