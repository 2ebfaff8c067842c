package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A data directory's running postmaster on this machine, found through its postmaster.pid. */
final class Postmaster {
    private static final Duration KILL_TIMEOUT = Duration.ofSeconds(5);

    private Postmaster() {}

    /**
     * The live postmaster, from the first line of postmaster.pid: only a running process whose
     * command line names this data directory. A crashed server leaves its postmaster.pid, and the
     * PID in it may belong to another process by now: that one must never be signalled.
     */
    static Optional<ProcessHandle> of(Path dataDir) {
        try {
            String pid = Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip();
            return ProcessHandle.of(Long.parseLong(pid)).filter(Processes::runs)
                    .filter(p -> p.info().commandLine().map(c -> c.contains(dataDir.toString())).orElse(true));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * A crash: SIGKILL to the postmaster and each child by PID (they are not in the postmaster's
     * process group). Returns once none of them runs: see {@link #awaitGone}.
     */
    static void kill(Path dataDir, String node) {
        awaitGone(signalKill(dataDir), node, killDeadline());
    }

    /** SIGKILL to the postmaster of {@code dataDir} and each of its children, if it runs; returns them all. */
    static List<ProcessHandle> signalKill(Path dataDir) {
        List<ProcessHandle> all = new ArrayList<>();
        of(dataDir).ifPresent(postmaster -> {
            all.add(postmaster);
            all.addAll(postmaster.descendants().toList());
            all.forEach(ProcessHandle::destroyForcibly);
        });
        return all;
    }

    /**
     * Returns once none of {@code killed} runs. A killed process that nobody has reaped yet (a
     * zombie) holds no port or file, and PID 1 of a container may take seconds to reap orphans, so
     * zombies count as gone; the wait ends at {@code deadline} (System.nanoTime) all the same.
     */
    static void awaitGone(List<ProcessHandle> killed, String node, long deadline) {
        // onExit() of a process that is not our child is polled slowly; a crash is quick to check
        while (killed.stream().anyMatch(Processes::runs)) {
            if (System.nanoTime() > deadline) {
                throw new LabException("node " + node + " still runs " + KILL_TIMEOUT.toSeconds()
                        + " s after SIGKILL (PID " + killed.get(0).pid() + ")");
            }
            Wait.sleep(Duration.ofMillis(5));
        }
    }

    /** How long a SIGKILLed server may take to be gone. */
    static long killDeadline() {
        return System.nanoTime() + KILL_TIMEOUT.toNanos();
    }
}
