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
    private Postmaster() {}

    /** The live postmaster, from the first line of postmaster.pid. */
    static Optional<ProcessHandle> of(Path dataDir) {
        try {
            String pid = Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).strip();
            return ProcessHandle.of(Long.parseLong(pid)).filter(ProcessHandle::isAlive);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A crash: SIGKILL to the postmaster and each child by PID (they are not in the postmaster's process group). */
    static void kill(Path dataDir) {
        of(dataDir).ifPresent(postmaster -> {
            List<ProcessHandle> all = new ArrayList<>(postmaster.descendants().toList());
            all.add(0, postmaster);
            all.forEach(ProcessHandle::destroyForcibly);
            // onExit() of a process that is not our child is polled slowly; a crash is quick to check
            while (all.stream().anyMatch(ProcessHandle::isAlive)) {
                Wait.sleep(Duration.ofMillis(5));
            }
        });
    }
}
