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

    @Option(names = "--jitter", defaultValue = "2ms", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Random variation of the link delay, ±. Default: ${DEFAULT-VALUE}.")
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
        Checked.require(readRate >= 0 && readRate <= MAX_RATE, "--read-rate", readRate, "0 to " + (int) MAX_RATE + " per second");
        requireUsers(users);
        Checked.require(List.of("builtin", "k6").contains(load), "--load", load, "builtin or k6");
        Checked.require(linkDelay.toSeconds() <= 10, "--link-delay", linkDelay.toMillis() + "ms", "at most 10s");
        Checked.require(jitter.compareTo(linkDelay) <= 0, "--jitter", jitter.toMillis() + "ms",
                "at most the --link-delay (" + linkDelay.toMillis() + "ms): a packet cannot arrive before it left");
    }

    /** --rate of a lab's writes, also for a lab with options of its own (lab05). */
    public static void requireRate(double rate) {
        Checked.require(rate > 0 && rate <= MAX_RATE, "--rate", rate, "more than 0 and at most " + (int) MAX_RATE + " per second");
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
