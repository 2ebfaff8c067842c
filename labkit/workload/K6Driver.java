package labkit.workload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import labkit.cluster.LabException;
import labkit.cluster.Node;
import labkit.cluster.Wait;

/**
 * The mixed workload run by k6 (k6/pagila_read_write_test.js) instead of the built-in driver,
 * feeding the same ledger. Two k6 processes: one for the writes, restarted against the new
 * primary on {@link #reroute}, and one for the reads, which go on untouched meanwhile. Each
 * writes its samples to out/…/k6-&lt;name&gt;.json, which a tailer turns into ledger entries as
 * they come (so live lines work), and its console and end-of-test summary to k6-&lt;name&gt;.log.
 */
public final class K6Driver implements LoadDriver {
    /** VU initialization plus setup(); the first run may also compile the script's dependencies. */
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
    /** k6 needs to end its iterations, flush its outputs and print the summary. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** Longer than any lab; bounds a k6 that outlived a killed lab. */
    private static final String MAX_DURATION = "1h";
    private static final String READY_LINE = "pglab k6 ready";

    private final K6 k6;
    private final Path root;
    private final Path outDir;
    private final long origin;
    private final double writeRate;
    private final double readRate;
    private final int users;
    private final Consumer<String> notes;
    private final String runId = "k6-" + UUID.randomUUID().toString().substring(0, 8);
    private final Ledger ledger = new Ledger();
    private final Queue<Read> reads = new ConcurrentLinkedQueue<>();
    private final List<K6Output.Counts> counts = new ArrayList<>();
    private Node readNode;
    private Run writes;
    private Run readers;
    private int segment;
    /** Writes that arrived while no writes' k6 ran: between one's stop and the next one's start at a re-route. */
    private long notStarted;
    private Results results;

    /**
     * @param root      the pglab folder (for the script; with compose, the mounts are relative to it)
     * @param outDir    where k6's output and logs go, e.g. out/lab02 (under root/out with compose)
     * @param origin    the lab clock's origin (System.nanoTime() at the lab's start): ledger times count from it
     * @param writeRate writes arriving per second (0: none); {@code readRate} likewise
     * @param users     most virtual users (connections) per operation type
     * @param notes     where to say what k6 did, e.g. {@code lab::event}
     */
    public K6Driver(K6 k6, Path root, Path outDir, long origin, double writeRate, double readRate, int users,
                    Consumer<String> notes) {
        if (writeRate < 0 || readRate < 0 || writeRate + readRate == 0 || users < 1) {
            throw new LabException("k6 needs a write or read rate > 0 (none negative) and at least one user");
        }
        this.k6 = k6;
        this.root = root;
        this.outDir = outDir;
        this.origin = origin;
        this.writeRate = writeRate;
        this.readRate = readRate;
        this.users = users;
        this.notes = notes;
    }

    @Override
    public synchronized void start(Node writeTo, Node readFrom) {
        readNode = readFrom;
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + outDir, e);
        }
        try {
            if (readRate > 0) {
                readers = launch("reads", writeTo, 0, readRate);
            }
            if (writeRate > 0) {
                writes = launch("writes-" + ++segment, writeTo, writeRate, 0);
            }
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /**
     * Stops the writes' k6 and starts another against {@code writeTo}; the reads go on. The writes
     * that arrive on the schedule while no writes' k6 runs (the old one stopping, the new one
     * initializing its VUs and running setup) are counted as not sent, so the open model keeps no
     * unaccounted gap.
     */
    @Override
    public synchronized void reroute(Node writeTo) {
        if (writes != null) {
            Run old = writes;
            counts.add(old.stop());
            writes = null;
            writes = launch("writes-" + ++segment, writeTo, writeRate, 0);
            long gap = writes.readyNanos - old.stoppedNanos;
            long missed = (long) Math.floor(gap / 1e9 * writeRate);
            notStarted += missed;
            notes.accept(String.format("k6 (%s) started %.1f s after k6 (%s) stopped: %,d writes arrived meanwhile, not sent",
                    writes.name, gap / 1e9, old.name, missed));
        }
    }

    /** The writes recorded so far (filled while k6 runs, for live lines). */
    public Ledger ledger() {
        return ledger;
    }

    @Override
    public synchronized Results stop() {
        if (results == null) {
            for (Run run : new Run[] {writes, readers}) {
                if (run != null) {
                    counts.add(run.stop());
                }
            }
            long dropped = counts.stream().mapToLong(K6Output.Counts::dropped).sum();
            long malformed = counts.stream().mapToLong(K6Output.Counts::malformed).sum();
            if (malformed > 0) {
                notes.accept("k6 output: " + malformed + " line(s) cut short or unreadable, skipped");
            }
            if (dropped > 0) {
                notes.accept(String.format("k6 dropped %,d iterations (no free VU when they were due): not sent", dropped));
            }
            results = new Results(ledger, List.copyOf(reads), dropped + notStarted);
        }
        return results;
    }

    private Run launch(String name, Node writeTo, double rate, double perSecondReads) {
        var env = new LinkedHashMap<String, String>();
        env.put("PGLAB_PRIMARY_URL", k6.url(writeTo));
        env.put("PGLAB_STANDBY_URL", k6.url(readNode));
        env.put("PGLAB_RATE", number(rate));
        env.put("PGLAB_READ_RATE", number(perSecondReads));
        env.put("PGLAB_USERS", String.valueOf(users));
        env.put("PGLAB_DURATION", MAX_DURATION);
        env.put("PGLAB_RUN_ID", runId + "-" + name);
        var run = new Run(name, env, writeTo.name());
        run.start();
        notes.accept("k6 (" + name + ") is running: " + (rate > 0 ? number(rate) + " writes/s to " + writeTo.name()
                : number(perSecondReads) + " reads/s from " + readNode.name()) + ", output in " + run.json.getFileName());
        return run;
    }

    private static String number(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    /** One k6 process, its output file and the thread that reads it. */
    private final class Run {
        private final String name;
        private final String container;
        private final Map<String, String> env;
        private final Path json;
        private final Path log;
        private final K6Output.Collector collector;
        private Process process;
        private Thread tailer;
        private Thread onExit;
        private volatile boolean draining;
        /** On the lab clock: when k6 said its load starts (setup done), and when it was told to stop. */
        private long readyNanos;
        private long stoppedNanos;

        Run(String name, Map<String, String> env, String node) {
            this.name = name;
            this.container = "pglab-" + runId + "-" + name;
            this.env = env;
            this.json = outDir.resolve("k6-" + name + ".json");
            this.log = outDir.resolve("k6-" + name + ".log");
            // The wall clock at the lab clock's origin, taken now: k6 stamps its samples with the wall clock.
            long originEpochNanos = K6Output.epochNanos(Instant.now()) - (System.nanoTime() - origin);
            this.collector = new K6Output.Collector(ledger, reads::add, node, originEpochNanos);
        }

        void start() {
            var args = new ArrayList<>(List.of("run", "--quiet", "--no-color", "--no-usage-report",
                    "--address", "127.0.0.1:" + freePort(), "--system-tags", "scenario,check",
                    "--out", "json=" + k6.file(root, json)));
            env.forEach((k, v) -> args.addAll(List.of("-e", k + "=" + v)));
            args.add(k6.script(root));
            try {
                Files.deleteIfExists(json);
                process = new ProcessBuilder(k6.command(container, outDir, args)).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new LabException("cannot start k6: " + e.getMessage());
            }
            // k6 keeps running if the lab dies (Ctrl+C): stop it then too.
            onExit = new Thread(() -> k6.kill(process, container));
            Runtime.getRuntime().addShutdownHook(onExit);
            tailer = Thread.ofVirtual().name("k6-tail-" + name).start(this::tail);
            awaitReady();
        }

        private void awaitReady() {
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            while (!logText().contains(READY_LINE)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    String why = process.isAlive() ? "did not start its load within " + READY_TIMEOUT.toSeconds() + " s"
                            : "exited (code " + process.exitValue() + ")";
                    halt();
                    throw new LabException("k6 (" + name + ") " + why + ": " + lastError() + " (see " + log + ")");
                }
                // Short: the moment seen here is when a re-routed writer's schedule counts as started.
                Wait.sleep(Duration.ofMillis(10));
            }
            readyNanos = System.nanoTime() - origin;
        }

        /** Ends the process and reads the rest of its output; operations left unfinished count from this moment. */
        K6Output.Counts stop() {
            stoppedNanos = System.nanoTime() - origin;
            if (!process.isAlive() && process.exitValue() != 0) {
                notes.accept("k6 (" + name + ") had exited by itself (code " + process.exitValue() + "): " + lastError());
            }
            halt();
            return collector.finish(stoppedNanos);
        }

        /** SIGTERM, like Ctrl+C: k6 ends the run, flushes its output and prints its summary. SIGKILL if it hangs. */
        private void halt() {
            try {
                if (process.isAlive()) {
                    k6.interrupt(process, container);
                    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                        notes.accept("k6 (" + name + ") did not stop within " + STOP_TIMEOUT.toSeconds() + " s: killed");
                        k6.kill(process, container);
                        process.waitFor(10, TimeUnit.SECONDS);
                    }
                }
                draining = true;
                tailer.join();
            } catch (InterruptedException e) {
                draining = true;
                k6.kill(process, container);
                Thread.currentThread().interrupt();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs anyway
            }
        }

        /** Follows the output file as k6 appends to it; once draining, reads to its end and stops. */
        private void tail() {
            while (!Files.exists(json)) {
                if (draining) {
                    return;
                }
                Wait.sleep(Duration.ofMillis(20));
            }
            var line = new ByteArrayOutputStream();
            var buffer = ByteBuffer.allocate(64 * 1024);
            try (var channel = FileChannel.open(json, StandardOpenOption.READ)) {
                while (true) {
                    boolean last = draining;
                    buffer.clear();
                    int n = channel.read(buffer);
                    if (n <= 0) {
                        if (last) {
                            break;
                        }
                        Wait.sleep(Duration.ofMillis(20));
                        continue;
                    }
                    for (int i = 0; i < n; i++) {
                        byte b = buffer.get(i);
                        if (b == '\n') {
                            collector.accept(line.toString(StandardCharsets.UTF_8));
                            line.reset();
                        } else {
                            line.write(b);
                        }
                    }
                }
            } catch (IOException e) {
                notes.accept("k6 (" + name + "): cannot read " + json + ": " + e.getMessage());
            }
            if (line.size() > 0) {
                collector.cut();
            }
        }

        private String logText() {
            try {
                return Files.exists(log) ? Files.readString(log) : "";
            } catch (IOException e) {
                return "";
            }
        }

        /** k6's last error line (logrus: level=error msg="…"), else its last line. */
        private String lastError() {
            List<String> lines = logText().lines().filter(l -> !l.isBlank()).toList();
            return lines.reversed().stream().filter(l -> l.contains("level=error") || l.startsWith("ERRO"))
                    .findFirst().orElse(lines.isEmpty() ? "no output" : lines.getLast()).strip();
        }
    }

    /** k6's REST API must not clash between the two processes (an explicit address that is taken is fatal). */
    private static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            return 6565;
        }
    }
}
