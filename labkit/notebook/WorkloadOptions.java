//DEPS info.picocli:picocli:4.7.7
package labkit.notebook;

import java.time.Duration;
import java.util.List;
import labkit.cluster.Env;
import labkit.cluster.LabException;
import labkit.workload.K6;
import labkit.workload.K6Driver;
import labkit.workload.LoadDriver;
import labkit.workload.Workload;
import picocli.CommandLine.Option;

/** Options of the labs that run the mixed workload over a replication link. */
public class WorkloadOptions implements Checked {
    /** Beyond this the workload's own client, not the server, would set the pace on this kind of machine. */
    private static final double MAX_RATE = 20_000;
    /**
     * The labs count what the clients did per second (the live line, the per-second CSV and charts)
     * and measure phases of a few seconds (lab02's 3 s after the fault): below one arrival a second
     * most seconds, and the shortest phases, would see none.
     */
    private static final double MIN_RATE = 1;
    private static final String PER_SECOND = "the lab counts them per second, and a phase of a few seconds must see some";
    /** Each node takes 100 connections (max_connections); the lab's own probes and samplers need a few. */
    private static final int MAX_USERS = 80;
    @Option(names = "--rate", defaultValue = "200", paramLabel = "N",
            description = "Writes (new rentals) arriving per second, whatever the server does. Default: ${DEFAULT-VALUE}.")
    public double rate;

    @Option(names = "--read-rate", defaultValue = "20", paramLabel = "N",
            description = "Reads (browsing films on the standby) arriving per second. Default: ${DEFAULT-VALUE}.")
    public double readRate;

    @Option(names = "--users", defaultValue = "32", paramLabel = "N",
            description = "Virtual users (connections) per operation type. Default: ${DEFAULT-VALUE}.")
    public int users;

    @Option(names = "--link-delay", defaultValue = "25ms", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "One-way delay of the replication link (the standby is in another region). Default: ${DEFAULT-VALUE}.")
    public Duration linkDelay;

    /** Given no --jitter: set by {@link #check} to this, or to the delay of a link shorter than it (none on a 0 ms link). */
    private static final Duration DEFAULT_JITTER = Duration.ofMillis(2);

    @Option(names = "--jitter", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Random variation of the link delay, ±, at most the --link-delay. Default: 2ms "
                    + "(less on a shorter link: none with --link-delay 0ms).")
    public Duration jitter;

    @Option(names = "--load", defaultValue = "builtin", paramLabel = "builtin|k6",
            description = "Load driver: the built-in workload, or k6 with k6/pagila_read_write_test.js. Default: ${DEFAULT-VALUE}.")
    public String load;

    /**
     * The k6 that --load k6 needs, looked up before any node starts so that a missing k6 stops the
     * lab with nothing to clean up; null for --load builtin.
     * @param compose the compose command of the docker runtime (k6 may run as its service), or null
     */
    public K6 k6(List<String> compose) {
        return switch (load) {
            case "builtin" -> null;
            case "k6" -> K6.find(compose);
            default -> throw new LabException("--load must be builtin or k6 (got \"" + load + "\")");
        };
    }

    /** The load driver: k6 when {@link #k6} found one, else the built-in workload. */
    public LoadDriver driver(Lab lab, K6 k6) {
        if (k6 == null) {
            return builtin(lab);
        }
        lab.event("Load driver: " + k6.description());
        return new K6Driver(k6, Env.get().root(), lab.out(), lab.startNanos(), rate, readRate, users, lab::event);
    }

    /** The workload's values, checked before anything starts: see {@link Checked}. */
    @Override
    public void check() {
        requireRate(rate);
        Checked.require(readRate == 0 || readRate >= MIN_RATE && readRate <= MAX_RATE, "--read-rate", readRate,
                "0 (no reads) or " + (int) MIN_RATE + " to " + (int) MAX_RATE + " per second (" + PER_SECOND + ")");
        requireUsers(users);
        Checked.require(List.of("builtin", "k6").contains(load), "--load", load, "builtin or k6");
        jitter = checkedJitter(linkDelay, jitter);
    }

    /**
     * Checks a link's --link-delay and returns its --jitter ({@code jitter}, or null when not
     * given): the delay of each packet is drawn from delay ± jitter, and a packet cannot arrive
     * before it left. Not given, the jitter is 2 ms, or the delay of a shorter link.
     */
    public static Duration checkedJitter(Duration linkDelay, Duration jitter) {
        Checked.requireBetween("--link-delay", linkDelay, Duration.ZERO, Duration.ofSeconds(10));
        if (jitter == null) {
            return linkDelay.compareTo(DEFAULT_JITTER) < 0 ? linkDelay : DEFAULT_JITTER;
        }
        Checked.require(jitter.compareTo(linkDelay) <= 0, "--jitter", DurationConverter.text(jitter),
                "at most the --link-delay (" + DurationConverter.text(linkDelay) + "): each packet is delayed by the "
                        + "delay ± the jitter, and it cannot arrive before it left");
        return jitter;
    }

    /** --rate of a lab's writes, also for a lab with options of its own (lab05). */
    public static void requireRate(double rate) {
        Checked.require(rate >= MIN_RATE && rate <= MAX_RATE, "--rate", rate, (int) MIN_RATE + " to " + (int) MAX_RATE
                + " per second (" + PER_SECOND + ")");
    }

    /** --users, the connections a lab's writes go through. */
    public static void requireUsers(int users) {
        Checked.require(users >= 1 && users <= MAX_USERS, "--users", users, "1 to " + MAX_USERS
                + " (each node takes 100 connections, and the lab needs a few of its own)");
    }

    public Workload builtin(Lab lab) {
        return new Workload(lab.startNanos(), rate, readRate, users);
    }
}
