package labkit.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The replication link owned by the lab: the standby connects to this TCP relay, the relay
 * connects to the primary. It counts the bytes of each direction and can add one-way delay and
 * jitter, limit bandwidth, and cut and restore the path, so a lab can put the standby "in
 * another zone" and measure what that costs.
 *
 * <p>A relay of our own on virtual threads rather than NetCrusher, the Java library for this:
 * its last release (0.10) dates from 2016, its delays advance on a selector tick (20 ms by
 * default, the size of the delays we add), its throttlers come from factories fixed when the
 * proxy is built (a lab changes the delay of a live link), and its byte meters belong to open
 * connections (a lab wants totals over the standby's reconnections).
 *
 * <p>Each direction is a reader and a writer joined by a queue of chunks stamped with their
 * delivery time: the reader never sleeps, so a delay adds latency without throttling throughput
 * (as on a real long path), while a window of bytes in flight gives the sender back-pressure
 * like a TCP window. Chunks leave in arrival order even with jitter, as TCP delivers them. The
 * end of a connection travels the same way: an orderly close or a reset from one side reaches
 * the other side after the data sent before it, as on a real network (a killed primary's last
 * WAL still arrives); only {@link #cut} breaks the path at once.
 */
public final class Link implements AutoCloseable {
    /** Bytes a direction may hold in flight before the reader waits (a generous TCP window). */
    private static final int WINDOW_BYTES = 4 << 20;
    private static final int CHUNK_BYTES = 64 << 10;
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final InetAddress bindAddress;
    private final InetSocketAddress target;
    private final Wire toStandby = new Wire();
    private final Wire fromStandby = new Wire();
    private final AtomicLong accepted = new AtomicLong();
    private final Set<Connection> live = ConcurrentHashMap.newKeySet();
    private volatile long delayNanos;
    private volatile long jitterNanos;
    private volatile long bytesPerSecond;
    private volatile int port;
    private ServerSocket server;
    private boolean closed;

    private Link(InetAddress bindAddress, InetSocketAddress target) {
        this.bindAddress = bindAddress;
        this.target = target;
    }

    /**
     * Listens on {@code bindHost:listenPort} (0 = any free port, see {@link #port()}) and relays
     * every connection to {@code targetHost:targetPort}, with no delay until {@link #delay} is set.
     */
    public static Link open(String bindHost, int listenPort, String targetHost, int targetPort) {
        try {
            var link = new Link(InetAddress.getByName(bindHost), InetSocketAddress.createUnresolved(targetHost, targetPort));
            link.listen(listenPort);
            return link;
        } catch (IOException e) {
            throw new LabException("cannot open the replication link on " + bindHost + ":" + listenPort + ": "
                    + e.getMessage() + " (is the port taken?)", e);
        }
    }

    /** One-way delay added to each direction, each chunk shifted by a uniform ±jitter; takes effect for new data. */
    public Link delay(Duration oneWay, Duration jitter) {
        if (oneWay.isNegative() || jitter.isNegative()) {
            throw new IllegalArgumentException("delay and jitter must be >= 0");
        }
        delayNanos = oneWay.toNanos();
        jitterNanos = jitter.toNanos();
        return this;
    }

    /** Bytes per second each direction can carry; 0 = unlimited. */
    public Link bandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bandwidth must be >= 0");
        }
        this.bytesPerSecond = bytesPerSecond;
        return this;
    }

    /** Breaks every live connection (a reset, whatever was in flight is gone) and refuses new ones. */
    public synchronized void cut() {
        closeServer();
        live.forEach(Connection::reset);
    }

    /** Accepts connections again on the same port after {@link #cut}. */
    public synchronized void restore() {
        if (closed) {
            throw new IllegalStateException("link closed");
        }
        if (server == null) {
            try {
                listen(port());
            } catch (IOException e) {
                throw new LabException("cannot restore the replication link on port " + port() + ": " + e.getMessage(), e);
            }
        }
    }

    public synchronized boolean isCut() {
        return server == null;
    }

    /** The port the standby connects to. */
    public int port() {
        return port;
    }

    /** The address the standby connects to (with {@link #port}); a probe connecting there crosses the same delays. */
    public String host() {
        return bindAddress.getHostAddress();
    }

    /** Bytes delivered from the primary to the standby (WAL, mostly), over all connections so far. */
    public long bytesToStandby() {
        return toStandby.delivered.get();
    }

    /** Bytes delivered from the standby to the primary (feedback and replies). */
    public long bytesFromStandby() {
        return fromStandby.delivered.get();
    }

    /** Bytes delivered each way, so far: two of them subtracted are what a phase carried. */
    public record Traffic(long toStandby, long fromStandby) {
        public Traffic since(Traffic earlier) {
            return new Traffic(toStandby - earlier.toStandby, fromStandby - earlier.fromStandby);
        }

        /** Bytes to the standby per write (e.g. per acknowledged write); null for no write: nothing to divide by. */
        public Long toStandbyPer(long writes) {
            return writes == 0 ? null : toStandby / writes;
        }
    }

    public Traffic traffic() {
        return new Traffic(bytesToStandby(), bytesFromStandby());
    }

    /**
     * The configured round trip: twice the one-way delay, a setting. What a round trip through the
     * relay really takes is measured by a probe (labkit.measure.LinkProbe): the relay and the
     * machine add to it.
     */
    public double configuredRttMs() {
        return 2 * delayNanos / 1e6;
    }

    public int liveConnections() {
        return live.size();
    }

    /** Connections accepted since the link opened (a standby that reconnects adds one each time). */
    public long acceptedConnections() {
        return accepted.get();
    }

    @Override
    public synchronized void close() {
        closed = true;
        cut();
    }

    @Override
    public String toString() {
        return bindAddress.getHostAddress() + ":" + port + " -> " + target.getHostString() + ":" + target.getPort();
    }

    private void listen(int port) throws IOException {
        var socket = new ServerSocket();
        socket.setReuseAddress(true); // restore() binds the same port while old connections linger in TIME_WAIT
        socket.bind(new InetSocketAddress(bindAddress, port));
        this.port = socket.getLocalPort();
        server = socket;
        Thread.ofVirtual().name("link-" + this.port + "-accept").start(() -> acceptLoop(socket));
    }

    private void acceptLoop(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                accepted.incrementAndGet();
                Thread.ofVirtual().name("link-" + port() + "-connect").start(() -> connect(client));
            } catch (IOException e) {
                return; // closed by cut() or close()
            }
        }
    }

    private void connect(Socket client) {
        var upstream = new Socket();
        try {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(new InetSocketAddress(target.getHostString(), target.getPort()), CONNECT_TIMEOUT_MS);
        } catch (IOException e) {
            // the primary is down: the standby sees its connection closed, as it would without the link
            closeQuietly(client);
            closeQuietly(upstream);
            return;
        }
        var connection = new Connection(client, upstream);
        live.add(connection);
        synchronized (this) {
            if (server == null) { // cut while we were connecting
                connection.reset();
                return;
            }
        }
        connection.start();
    }

    private synchronized void closeServer() {
        if (server != null) {
            closeQuietly(server);
            server = null;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing is best effort: the peer may have gone already
        }
    }

    /**
     * One direction of the link, shared by all its connections: the bytes it delivered, and when
     * its bandwidth is free again (connections share a link's bandwidth, as on a real path).
     */
    private static final class Wire {
        final AtomicLong delivered = new AtomicLong();
        private long freeAtNanos;

        /** When the last of {@code bytes} sent now is on the wire, at {@code bytesPerSecond} (0: at once). */
        synchronized long serialized(long now, int bytes, long bytesPerSecond) {
            if (bytesPerSecond <= 0) {
                return now;
            }
            freeAtNanos = Math.max(now, freeAtNanos) + bytes * 1_000_000_000L / bytesPerSecond;
            return freeAtNanos;
        }
    }

    /** One relayed connection: standby (client) ⇄ primary (upstream). */
    private final class Connection {
        private final Socket client;
        private final Socket upstream;
        private final List<Direction> directions;
        private final AtomicInteger directionsDone = new AtomicInteger();

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
            this.directions = List.of(new Direction("to-standby", upstream, client, toStandby),
                    new Direction("from-standby", client, upstream, fromStandby));
        }

        void start() {
            directions.forEach(Direction::start);
        }

        /** One direction delivered its end of stream (an orderly close); the connection ends with the second. */
        void directionDone() {
            if (directionsDone.incrementAndGet() == 2) {
                finish();
            }
        }

        /** An abrupt end (RST) to both sides at once: nothing still queued is delivered. */
        void reset() {
            for (Socket s : List.of(client, upstream)) {
                try {
                    s.setSoLinger(true, 0);
                } catch (SocketException ignored) {
                    // already closed
                }
            }
            finish();
        }

        private void finish() {
            live.remove(this);
            directions.forEach(Direction::abort); // first, so the readers take the closed sockets for what they are
            closeQuietly(client);
            closeQuietly(upstream);
        }

        /** One way of the connection: a reader stamps chunks with their delivery time, a writer delivers them. */
        private final class Direction {
            private final String name;
            private final Socket from;
            private final Socket to;
            private final Wire wire;
            private final BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
            private final Semaphore window = new Semaphore(WINDOW_BYTES);
            private long lastDeliveryNanos;

            private volatile boolean aborted;

            /** Data, or how the sender ended: an orderly close (FIN) or a reset (RST); ABORT wakes the writer. */
            private enum Kind { DATA, END, RESET, ABORT }

            private record Chunk(Kind kind, byte[] bytes, long deliverAtNanos) {}

            private static final Chunk ABORT = new Chunk(Kind.ABORT, null, 0);

            Direction(String name, Socket from, Socket to, Wire wire) {
                this.name = name;
                this.from = from;
                this.to = to;
                this.wire = wire;
            }

            void start() {
                Thread.ofVirtual().name("link-" + port + "-" + name + "-read").start(this::read);
                Thread.ofVirtual().name("link-" + port + "-" + name + "-write").start(this::write);
            }

            /** Wakes both threads of a broken connection: a blocked socket call ends when the socket closes. */
            void abort() {
                aborted = true;
                queue.offer(ABORT);
                window.release(WINDOW_BYTES);
            }

            private void read() {
                var buffer = new byte[CHUNK_BYTES];
                try {
                    InputStream in = from.getInputStream(); // not closed here: that would close the socket both ways
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        window.acquire(n);
                        if (aborted) {
                            return;
                        }
                        queue.put(new Chunk(Kind.DATA, Arrays.copyOf(buffer, n), deliveryTime(n)));
                    }
                    queue.put(new Chunk(Kind.END, null, deliveryTime(0)));
                } catch (IOException e) {
                    // The sender reset the connection (a killed process with unread data does): what it
                    // sent before is still on its way and arrives first, then the reset.
                    if (!aborted) {
                        queue.offer(new Chunk(Kind.RESET, null, deliveryTime(0)));
                    }
                } catch (InterruptedException e) {
                    reset();
                }
            }

            /**
             * Serialization at the configured bandwidth (the link is busy until the chunk's last
             * byte is on it), then propagation: the one-way delay ± jitter. Never before the
             * previous chunk, so the order holds.
             */
            private long deliveryTime(int bytes) {
                long sent = wire.serialized(System.nanoTime(), bytes, bytesPerSecond);
                long jitter = jitterNanos;
                long shift = jitter > 0 ? ThreadLocalRandom.current().nextLong(-jitter, jitter + 1) : 0;
                lastDeliveryNanos = Math.max(sent + Math.max(0, delayNanos + shift), lastDeliveryNanos);
                return lastDeliveryNanos;
            }

            private void write() {
                try {
                    OutputStream out = to.getOutputStream();
                    while (true) {
                        Chunk chunk = queue.take();
                        if (chunk.kind() == Kind.ABORT) {
                            return;
                        }
                        sleepUntil(chunk.deliverAtNanos());
                        switch (chunk.kind()) {
                            case END -> {
                                to.shutdownOutput(); // pass the sender's orderly close on
                                directionDone();
                                return;
                            }
                            case RESET -> {
                                reset();
                                return;
                            }
                            default -> {
                                out.write(chunk.bytes());
                                wire.delivered.addAndGet(chunk.bytes().length);
                                window.release(chunk.bytes().length);
                            }
                        }
                    }
                } catch (IOException e) {
                    // The receiver is gone. The other direction reads from the same socket: it sees
                    // that, and passes the reset on in its own time; this direction is over.
                    directionDone();
                } catch (InterruptedException e) {
                    reset();
                }
            }

            /** parkNanos may return early: wait out the rest (a broken connection fails at the write after). */
            private static void sleepUntil(long deadlineNanos) {
                long left;
                while ((left = deadlineNanos - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(left);
                }
            }
        }
    }
}
