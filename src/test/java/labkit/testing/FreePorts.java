package labkit.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import labkit.cluster.Ports;

/**
 * Ports for a test, never fixed numbers: anything else on the machine (a student's own PostgreSQL,
 * another test run) may hold any fixed port. A block starts at a random port below the system's
 * ephemeral range, so that no outgoing connection takes one of its ports between this check and the
 * server's bind, and two test runs rarely look at the same ports.
 */
public final class FreePorts {
    private static final int LOWEST = 20000;

    private FreePorts() {}

    /** One free port on 127.0.0.1. */
    public static int one() {
        return block(1);
    }

    /** The first of {@code size} free consecutive ports on 127.0.0.1 (a lab's --port and the ports after it). */
    public static int block(int size) {
        int highest = ephemeralStart() - size;
        for (int tries = 0; tries < 200; tries++) {
            int first = ThreadLocalRandom.current().nextInt(LOWEST, highest);
            if (Ports.allFree(first, size)) {
                return first;
            }
        }
        throw new AssertionError("no " + size + " free consecutive ports on 127.0.0.1 in " + LOWEST + "-" + highest);
    }

    private static int ephemeralStart() {
        try {
            // a line reader: Files.readString of this /proc file returned only its first byte here
            String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0);
            return Integer.parseInt(range.strip().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768; // Linux's default
        }
    }
}
