//DEPS info.picocli:picocli:4.7.7
package labkit;

import java.time.Duration;
import picocli.CommandLine.Option;

/** Options of the labs that run the mixed workload over a replication link. */
public class WorkloadOptions {
    @Option(names = "--rate", defaultValue = "200", paramLabel = "N",
            description = "Writes (new rentals) arriving per second, whatever the server does. Default: ${DEFAULT-VALUE}.")
    public double rate;

    @Option(names = "--read-rate", defaultValue = "50", paramLabel = "N",
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

    public Workload builtin(Lab lab) {
        if (rate <= 0 || readRate < 0 || users < 1) {
            throw new LabException("--rate must be > 0, --read-rate >= 0 and --users >= 1");
        }
        return new Workload(lab.startNanos(), rate, readRate, users);
    }
}
