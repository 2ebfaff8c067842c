///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//SOURCES ../labkit/**/*.java
//DEPS info.picocli:picocli:4.7.7

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import labkit.cluster.Cluster;
import labkit.cluster.Env;
import labkit.cluster.LabException;
import labkit.cluster.Node;
import labkit.cluster.Processes;
import labkit.notebook.DurationConverter;
import labkit.notebook.Lab;
import labkit.notebook.LabOptions;
import labkit.workload.Pagila;
import labkit.workload.PagilaOps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Is the built-in workload's write path as fast as PostgreSQL's own load tool? Runs the same write
 * transaction closed-loop, same connection count, against the same local primary: first through
 * labkit (JDBC, virtual threads), then with pgbench (bench/write-transaction.sql), and prints both
 * throughputs and their ratio. Target: builtin/pgbench >= 0.9.
 */
@Command(name = "write-throughput", mixinStandardHelpOptions = true, version = "pglab 0.1.0",
        description = "Built-in write transaction vs pgbench running the same transaction, side by side.")
class WriteThroughput implements Callable<Integer> {
    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+)");

    @Mixin LabOptions options;

    @Option(names = "--connections", defaultValue = "8", description = "Connections for both. Default: ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = "--duration", defaultValue = "20s", converter = DurationConverter.class,
            description = "How long each side runs. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    public static void main(String... args) {
        Lab.main(new WriteThroughput(), args);
    }

    @Override
    public Integer call() throws Exception {
        options.runtime = "local";
        options.yes = true;
        var lab = Lab.start("bench", "Write throughput: built-in workload vs pgbench", options);
        try (var cluster = Cluster.create(lab.clusterOptions(), lab)) {
            var primary = cluster.primary("postgres-primary");
            Pagila.loadOnto(primary, options.dataset, options.scale, lab);
            var ranges = PagilaOps.Ranges.of(primary);
            builtin(primary, ranges, Duration.ofSeconds(3)); // warm up the JIT and the server's caches
            double builtin = builtin(primary, ranges, duration);
            double pgbench = pgbench(primary, ranges);
            lab.result(String.format("built-in: %,.0f writes/s   pgbench: %,.0f writes/s   ratio built-in/pgbench: %.2f"
                    + "   (%d connections, %d s each, closed loop)", builtin, pgbench, builtin / pgbench, connections,
                    duration.toSeconds()));
        }
        return 0;
    }

    private double builtin(Node primary, PagilaOps.Ranges ranges, Duration howLong) throws Exception {
        var done = new AtomicLong();
        long end = System.nanoTime() + howLong.toNanos();
        long start = System.nanoTime();
        try (var users = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < connections; i++) {
                int user = i;
                users.submit(() -> {
                    try (var c = primary.connect()) {
                        for (long n = 0; System.nanoTime() < end; n++) {
                            try (var ps = PagilaOps.write(c, ranges, "bench-" + start + "-" + user + "-" + n)) {
                                ps.executeUpdate();
                            }
                            done.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    private double pgbench(Node primary, PagilaOps.Ranges ranges) {
        Path script = Env.get().root().resolve("bench/write-transaction.sql");
        var env = Env.get();
        List<String> cmd = new ArrayList<>(List.of(pgbenchBinary(), "-n", "-M", "prepared",
                "-c", String.valueOf(connections), "-j", String.valueOf(connections), "-T", String.valueOf(duration.toSeconds()),
                "-D", "max_inventory=" + ranges.inventory(), "-D", "max_customer=" + ranges.customers(),
                "-D", "max_staff=" + ranges.staff(), "-f", script.toString(),
                "-h", primary.host(), "-p", String.valueOf(primary.port()), "-U", env.superuser(), env.database()));
        String out = Processes.run(cmd, Map.of("PGPASSWORD", env.superuserPassword()), duration.plusMinutes(1));
        var m = TPS.matcher(out);
        if (!m.find()) {
            throw new LabException("pgbench printed no tps: " + out);
        }
        return Double.parseDouble(m.group(1));
    }

    private static String pgbenchBinary() {
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(dir, "pgbench"))) {
                return Path.of(dir, "pgbench").toString();
            }
        }
        throw new LabException("pgbench not found on PATH: install PostgreSQL's client programs (e.g. postgresql-contrib)");
    }
}
