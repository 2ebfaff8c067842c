package labkit.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.stream.IntStream;

/**
 * Ports on 127.0.0.1 for a lab with many listeners (nodes, links, Patroni's REST API, etcd): a
 * block of consecutive ports, each checked free before the program that binds it starts. Patroni
 * must never start on a taken port: it would report the server already there as its own.
 */
public final class Ports {
    private Ports() {}

    /** Throws one clear line naming the first of {@code ports} that something else already holds. */
    public static void requireFree(String what, int... ports) {
        for (int port : ports) {
            if (!free(port)) {
                throw new LabException("port " + port + " for " + what + " on 127.0.0.1 is in use: stop what holds it, "
                        + "or pick other ports with --port");
            }
        }
    }

    /**
     * The first port of {@code size} free consecutive ports: from {@code requested} (which must be
     * free), else from {@code preferred} when free, else from a free port the system picks.
     */
    public static int block(Integer requested, int preferred, int size) {
        if (requested != null) {
            if (!allFree(requested, size)) {
                throw new LabException("ports " + requested + "-" + (requested + size - 1) + " on 127.0.0.1 are not all "
                        + "free: pick others with --port, or stop what holds them");
            }
            return requested;
        }
        if (allFree(preferred, size)) {
            return preferred;
        }
        for (int tries = 0; tries < 50; tries++) {
            int candidate = systemPicked();
            if (candidate + size <= 65535 && allFree(candidate, size)) {
                return candidate;
            }
        }
        throw new LabException("cannot find " + size + " free consecutive ports on 127.0.0.1");
    }

    /** True when nothing listens on any of {@code size} ports from {@code first} (e.g. after a lab tore down). */
    public static boolean allFree(int first, int size) {
        return IntStream.range(first, first + size).allMatch(Ports::free);
    }

    static boolean free(int port) {
        try (var s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int systemPicked() {
        try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new LabException("cannot find a free port on 127.0.0.1: " + e.getMessage());
        }
    }
}
