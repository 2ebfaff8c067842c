package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ports this run has chosen, claimed with a lock file each until the JVM ends. Between a lab's
 * check that a port is free and its server binding it lie seconds (initdb): two labs started at
 * the same moment would both find 15432 free, and the second server would fail with "could not
 * create any TCP/IP sockets". A port another run has claimed counts as taken.
 */
final class PortClaims {
    private static final Path DIR = Path.of(System.getProperty("java.io.tmpdir"), "pglab-ports");

    private PortClaims() {}

    /** Whether {@code port} is now this run's: free on 127.0.0.1 and claimed by no other run. */
    static boolean claim(int port) {
        Path file = DIR.resolve(port + ".lock");
        try {
            Files.createDirectories(DIR);
            DIR.toFile().setWritable(true, false); // shared by every user's runs
            if (!RunLocks.hold(file)) {
                return false;
            }
            if (!Cluster.portFree(port)) {
                RunLocks.release(file);
                return false;
            }
            return true;
        } catch (IOException e) {
            return Cluster.portFree(port); // no place for the lock files: the check alone, as before
        }
    }
}
