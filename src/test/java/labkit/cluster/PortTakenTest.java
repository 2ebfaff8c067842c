package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Another program takes the port the kit chose between the kit's check and the server's bind (here
 * a socket of the test, opened when the kit announces the port, while initdb still runs): the
 * server's bind fails with "could not create any TCP/IP sockets", and the node starts on another
 * port, saying so. Local runtime, the installed PostgreSQL.
 */
class PortTakenTest {
    private static final Pattern STARTING = Pattern.compile("Starting primary \"postgres-primary\" on port (\\d+)");

    @Test
    void aPortTakenBeforeTheBindMovesTheNodeToAFreeOne() throws Exception {
        Path logs = Files.createTempDirectory("port-taken-logs");
        List<String> said = new CopyOnWriteArrayList<>();
        List<ServerSocket> thief = new CopyOnWriteArrayList<>();
        Narrator narrator = new Narrator() {
            @Override public void event(String text) {
                said.add(text);
                Matcher m = STARTING.matcher(text);
                if (m.find()) {
                    try {
                        thief.add(new ServerSocket(Integer.parseInt(m.group(1)), 1, InetAddress.getLoopbackAddress()));
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException("the test could not take port " + m.group(1), e);
                    }
                }
            }
            @Override public void result(String text) { said.add(text); }
            @Override public void progress(String text) {}
        };
        int moved;
        var options = new ClusterOptions("port-taken", "local", null, false, Optional.empty(), null, logs);
        try (var cluster = Cluster.create(options, narrator)) {
            Node primary = cluster.primary("postgres-primary");
            assertEquals(1, thief.size(), "the test took the announced port: " + said);
            int taken = thief.get(0).getLocalPort();
            moved = primary.port();
            assertNotEquals(taken, moved, "the node moved: " + said);
            assertEquals("1", Sql.scalar(primary, "SELECT 1"), "the node answers on its new port");
            assertTrue(said.contains("Port " + taken + " was taken meanwhile (could not create any TCP/IP sockets); using "
                    + primary.port() + "."), said.toString());
            assertTrue(primary.logTail(200).stream().anyMatch(l -> l.contains("could not create any TCP/IP sockets")),
                    "the server itself failed to bind first: " + primary.logTail(20));
        } finally {
            for (ServerSocket s : thief) {
                s.close();
            }
        }
        assertTrue(Cluster.portFree(moved), "the teardown let the new port go");
    }
}
