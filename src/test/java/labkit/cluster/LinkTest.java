package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real sockets on loopback: a "primary" server behind the link and a "standby" client in front of it. */
class LinkTest {
    private final ServerSocket primary = listen();
    private Link link;

    private static ServerSocket listen() {
        try {
            return new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        if (link != null) {
            link.close();
        }
        primary.close();
    }

    private Link open() {
        link = Link.open("127.0.0.1", 0, "127.0.0.1", primary.getLocalPort());
        return link;
    }

    /** The primary echoes every byte back on each connection. */
    private void echo() {
        serve(s -> s.getInputStream().transferTo(s.getOutputStream()));
    }

    interface Handler {
        void handle(Socket s) throws IOException;
    }

    private void serve(Handler handler) {
        Thread.ofVirtual().start(() -> {
            while (!primary.isClosed()) {
                try {
                    Socket s = primary.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            handler.handle(s);
                        } catch (IOException ignored) {
                            // a cut link resets the connection: expected in some tests
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private Socket connect() throws IOException {
        var s = new Socket("127.0.0.1", link.port());
        s.setTcpNoDelay(true);
        s.setSoTimeout(5_000);
        return s;
    }

    private static byte[] random(int n) {
        var b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void countsBytesOfEachDirectionExactlyAndPassesAnOrderlyClose() throws Exception {
        byte[] reply = random(123_457);
        // the primary reads until the standby's end of stream, then answers and closes
        serve(s -> {
            long n = s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            s.getOutputStream().write(reply);
            new DataOutputStream(s.getOutputStream()).writeLong(n);
        });
        open().delay(Duration.ofMillis(5), Duration.ZERO);

        try (var s = connect()) {
            s.getOutputStream().write(random(1_000_003));
            s.shutdownOutput();
            var in = new DataInputStream(s.getInputStream());
            assertArrayEquals(reply, in.readNBytes(reply.length));
            assertEquals(1_000_003, in.readLong(), "bytes the primary received");
            assertEquals(-1, in.read(), "the primary's close reaches the standby");
        }
        assertEquals(1_000_003, link.bytesFromStandby());
        assertEquals(123_457 + 8, link.bytesToStandby());
        assertEquals(1, link.acceptedConnections());
    }

    @Test
    void aPingPongTakesAtLeastTheRoundTrip() throws Exception {
        echo();
        open().delay(Duration.ofMillis(25), Duration.ZERO);
        assertEquals(50.0, link.configuredRttMs());

        try (var s = connect()) {
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                s.getOutputStream().write(i);
                assertEquals(i, s.getInputStream().read());
                double ms = (System.nanoTime() - start) / 1e6;
                assertTrue(ms >= 50, "ping-pong took " + ms + " ms, less than the 50 ms round trip");
                assertTrue(ms < 250, "ping-pong took " + ms + " ms");
            }
        }
    }

    @Test
    void jitterKeepsTheOrderOfTheStream() throws Exception {
        echo();
        open().delay(Duration.ofMillis(10), Duration.ofMillis(10));
        byte[] sent = random(200 * 100);

        try (var s = connect(); var reading = Executors.newVirtualThreadPerTaskExecutor()) {
            // read while writing (the echo would stall otherwise); get() hands the bytes to this thread
            Future<byte[]> received = reading.submit(() -> s.getInputStream().readNBytes(sent.length));
            for (int i = 0; i < 200; i++) { // separate small chunks, each with its own random delay
                s.getOutputStream().write(sent, i * 100, 100);
                Thread.sleep(1);
            }
            assertArrayEquals(sent, received.get(10, TimeUnit.SECONDS), "the echo came back out of order");
        }
        assertEquals(sent.length, link.bytesToStandby());
    }

    @Test
    void aResetFromThePrimaryArrivesAfterTheDataItSentBefore() throws Exception {
        byte[] wal = random(20_000);
        serve(s -> {
            s.getInputStream().read(); // the standby's first byte: the relayed connection is up
            s.getOutputStream().write(wal);
            s.setSoLinger(true, 0); // the close sends a reset, as a killed process's socket with unread data does
        });
        open().delay(Duration.ofMillis(50), Duration.ZERO);

        long start = System.nanoTime();
        try (var s = connect()) {
            s.getOutputStream().write(new byte[] {1, 2}); // the second byte stays unread by the primary
            var in = s.getInputStream();
            assertArrayEquals(wal, in.readNBytes(wal.length), "what the primary sent before its reset is delivered");
            double ms = (System.nanoTime() - start) / 1e6;
            assertThrows(SocketException.class, in::read, "then the reset itself, not an orderly close");
            assertTrue(ms >= 100, "the byte went and the data came back in " + ms + " ms, less than the 100 ms round trip");
        }
        assertEquals(wal.length, link.bytesToStandby());
    }

    @Test
    void aCutDropsWhatIsStillOnTheWay() throws Exception {
        var written = new java.util.concurrent.CountDownLatch(1);
        serve(s -> {
            s.getOutputStream().write(random(20_000));
            written.countDown();
            s.getInputStream().read(); // hold the connection open until the cut
        });
        open().delay(Duration.ofMillis(200), Duration.ZERO);

        try (var s = connect()) {
            s.getOutputStream().write(1);
            assertTrue(written.await(5, TimeUnit.SECONDS));
            link.cut();
            assertThrows(SocketException.class, () -> s.getInputStream().read(), "a cut path delivers nothing more");
        }
        assertEquals(0, link.bytesToStandby());
    }

    @Test
    void aDelayDoesNotThrottleThroughput() throws Exception {
        serve(s -> new DataOutputStream(s.getOutputStream())
                .writeLong(s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream())));
        open().delay(Duration.ofMillis(20), Duration.ZERO);
        byte[] data = random(5 << 20);

        long start = System.nanoTime();
        try (var s = connect()) {
            s.getOutputStream().write(data);
            s.shutdownOutput();
            assertEquals(data.length, new DataInputStream(s.getInputStream()).readLong());
        }
        double ms = (System.nanoTime() - start) / 1e6;
        assertTrue(ms >= 40, "5 MB arrived in " + ms + " ms, faster than the 40 ms round trip");
        assertTrue(ms < 1000, "5 MB through a 20 ms link took " + ms + " ms");
    }

    @Test
    void bandwidthLimitsThroughput() throws Exception {
        serve(s -> new DataOutputStream(s.getOutputStream())
                .writeLong(s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream())));
        open().bandwidth(1_000_000);

        long start = System.nanoTime();
        try (var s = connect()) {
            s.getOutputStream().write(random(500_000));
            s.shutdownOutput();
            assertEquals(500_000, new DataInputStream(s.getInputStream()).readLong());
        }
        double ms = (System.nanoTime() - start) / 1e6;
        assertTrue(ms >= 450 && ms < 2000, "500 kB at 1 MB/s took " + ms + " ms");
    }

    @Test
    void cutBreaksLiveConnectionsAndRefusesNewOnesUntilRestored() throws Exception {
        echo();
        open();
        int port = link.port();
        try (var s = connect()) {
            s.getOutputStream().write(7);
            assertEquals(7, s.getInputStream().read());
            assertEquals(1, link.liveConnections());

            link.cut();

            assertTrue(link.isCut());
            assertEquals(0, link.liveConnections());
            assertTrue(brokenWithin(s), "the live connection survived the cut");
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
        }

        link.restore();
        assertEquals(port, link.port());
        try (var s = connect()) {
            s.getOutputStream().write(9);
            assertEquals(9, s.getInputStream().read());
        }
    }

    /** A broken connection shows as end of stream or a reset, on read or write. */
    private static boolean brokenWithin(Socket s) {
        try {
            for (int i = 0; i < 10; i++) {
                s.getOutputStream().write(1);
                if (s.getInputStream().read() == -1) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void aConnectionToADownTargetIsClosed() throws Exception {
        open();
        primary.close(); // nothing listens behind the link any more
        try (var s = connect()) {
            assertTrue(brokenWithin(s));
        }
        assertEquals(0, link.liveConnections());
    }
}
