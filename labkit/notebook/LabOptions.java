//DEPS info.picocli:picocli:4.7.7
package labkit.notebook;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import labkit.cluster.Cluster;
import labkit.cluster.Env;
import picocli.CommandLine.Option;

/** The options every lab shares (a picocli mixin); each lab adds its own. */
public class LabOptions implements Checked {
    /** Ports a server may take: below 1024 only root may bind, and the servers never run as root. */
    static final int LOWEST_PORT = 1024;
    static final int HIGHEST_PORT = 65535;
    /** Generated Pagila grows by about this much per unit of --scale (pg_database_size, PostgreSQL 15: 14 MB at 1, 26 MB at 4). */
    static final int MB_PER_SCALE = 4;
    /** ... from about this much at no scale (the same two sizes: 14 MB - 4 MB). */
    static final int BASE_MB = 10;
    /** Above this, loading alone takes minutes and each node needs gigabytes: nothing a lab's lesson needs. */
    static final int MAX_SCALE = 100;

    @Option(names = "--runtime", defaultValue = "auto", paramLabel = "auto|docker|local",
            description = "Where nodes run: docker (compose.yaml), local (PostgreSQL processes), "
                    + "auto = docker when an engine answers and has the lab's image or can pull it, else local. "
                    + "Default: ${DEFAULT-VALUE}.")
    public String runtime;

    @Option(names = {"-y", "--yes"}, description = "Run straight through, without pausing between steps.")
    public boolean yes;

    @Option(names = "--keep", description = "Leave the cluster running at the end and print how to connect and tear down.")
    public boolean keep;

    @Option(names = "--verbose", description = "Show the stack trace of an error.")
    public boolean verbose;

    @Option(names = "--port", paramLabel = "PORT",
            description = "Port of the primary on 127.0.0.1; the standby gets PORT+1. "
                    + "Default 15432, or free ports when that is taken.")
    public Integer port;

    @Option(names = "--pg-bin", paramLabel = "DIR", description = "local runtime: the bin folder of a PostgreSQL install. "
            + "Default: the first found on PATH (pg_config, postgres), in /usr/lib/postgresql/<newest>/bin or Homebrew's; "
            + "here: ${sys:pglab.help.pgBin:-none}.")
    public Optional<Path> pgBin;

    @Option(names = "--pg-version", paramLabel = "MAJOR",
            description = "PostgreSQL major (docker image tag; local: fetched from Maven Central when not installed). "
                    + "Default: local runtime: the installed one (here ${sys:pglab.help.localMajor:-none installed}), "
                    + "else PG_MAJOR from .env; docker: PG_MAJOR from .env (${sys:pglab.help.envMajor:-see .env}).")
    public String pgVersion;

    @Option(names = "--dataset", defaultValue = "auto", paramLabel = "auto|generated|official",
            description = "Pagila source: generated here, or the official dump (downloaded); auto = official when "
                    + "it can be had, else generated. Default: ${DEFAULT-VALUE}.")
    public String dataset;

    @Option(names = "--scale", defaultValue = "1", paramLabel = "N",
            description = "Generated Pagila: multiply inventory, rentals and payments by N (1 to " + MAX_SCALE
                    + ", about " + MB_PER_SCALE + " MB per node for each). Default: ${DEFAULT-VALUE}.")
    public int scale;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results go. Default: out/<lab>.")
    public Path out;

    /** {@code bytes} as a person reads them: 0.4 MB, 414 MB, 3.9 GB. */
    static String megabytes(long bytes) {
        double mb = bytes / (1024.0 * 1024);
        return mb < 10 ? String.format(java.util.Locale.ROOT, "%.1f MB", mb) : mb < 1024 ? Math.round(mb) + " MB"
                : String.format(java.util.Locale.ROOT, "%,.1f GB", mb / 1024);
    }

    /** What the defaults of --pg-bin and --pg-version are on this machine, for --help to show. */
    static void describeDefaults() {
        var install = labkit.cluster.PgBinaries.defaultInstall();
        System.setProperty("pglab.help.pgBin", install.map(i -> i.binDir() + " (PostgreSQL " + i.version() + ")")
                .orElse("none, so server binaries of PG_MAJOR come from Maven Central"));
        install.ifPresent(i -> System.setProperty("pglab.help.localMajor", String.valueOf(i.major())));
        System.setProperty("pglab.help.envMajor", Env.get().pgMajor());
    }

    /** The values every lab shares, checked before anything starts: see {@link Checked}. */
    @Override
    public void check() {
        Checked.require(List.of("auto", "docker", "local").contains(runtime), "--runtime", runtime, "auto, docker or local");
        Checked.require(List.of("auto", "generated", "official").contains(dataset), "--dataset", dataset,
                "auto, generated or official");
        Checked.require(scale >= 1 && scale <= MAX_SCALE, "--scale", scale, "1 to " + MAX_SCALE + " (about "
                + MB_PER_SCALE + " MB on each node per unit" + (scale > MAX_SCALE ? ": " + scale + " would load about "
                + megabytes((BASE_MB + (long) scale * MB_PER_SCALE) << 20) + " on each node" : "") + ")");
        Checked.require(pgVersion == null || pgVersion.strip().matches("\\d{2}"), "--pg-version", pgVersion,
                "a PostgreSQL major like 17 or 18");
        // the default of --pg-version (and the docker runtime's image tag): compose reads it too
        String pgMajor = Env.get().pgMajor();
        boolean fromEnvironment = pgMajor.equals(System.getenv("PG_MAJOR"));
        Checked.require(pgMajor.strip().matches("\\d{2}"), "PG_MAJOR", pgMajor, "a PostgreSQL major like 17 or 18 ("
                + (fromEnvironment ? "PG_MAJOR is set in the environment: unset it, or set it to one" : "from "
                + Env.get().root().resolve(".env") + ": restore it with git checkout .env") + ")");
        pgBin.ifPresent(bin -> Checked.require(Files.isExecutable(bin.resolve("postgres")), "--pg-bin", bin,
                "the bin folder of a PostgreSQL install (it has no postgres program)"));
        if (port != null) {
            requireFreePorts(port, portsUsed);
        }
        requireRoomForWrites(0);
    }

    /**
     * What a run writes besides its writes' CSV rows: charts, report.md, summary.json, the other
     * CSVs and the node logs (lab02: 0.3 MB, lab04: 0.4 MB at the defaults), with room for longer logs.
     */
    static final long RESULTS_BYTES = 2L << 20;
    /** A row of writes.csv (lab02 at the defaults: 341,342 bytes for 3,647 writes). */
    static final long BYTES_PER_WRITE = 100;

    /**
     * Refuses an --out that cannot be written, or has no room for the run's results: theirs
     * ({@link #RESULTS_BYTES}) and one CSV row for each of the {@code writes} the lab expects
     * (a lab that records its writes calls this from its own check).
     */
    public void requireRoomForWrites(double writes) {
        long rows = (long) Math.ceil(writes);
        OutFolder.checkWritable(out != null ? out : Env.get().root().resolve("out"), "--out",
                RESULTS_BYTES + rows * BYTES_PER_WRITE, "the run's results (charts, report.md, logs"
                        + (rows > 0 ? String.format(java.util.Locale.ROOT, ", and writes.csv: about %,d writes", rows) : "")
                        + ")");
    }

    /** How many ports from --port on the lab uses: 2 (a primary and its standby) unless {@link #usingPorts}. */
    private int portsUsed = 2;

    /** A lab that uses {@code count} ports from --port on: {@code @Mixin LabOptions options = new LabOptions().usingPorts(32);} */
    public LabOptions usingPorts(int count) {
        portsUsed = count;
        return this;
    }

    /** Refuses --port unless {@code port} … {@code port + count - 1} can be used and are free on 127.0.0.1. */
    private void requireFreePorts(int first, int count) {
        int last = first + count - 1;
        Checked.require(first >= LOWEST_PORT && last <= HIGHEST_PORT, "--port", first, LOWEST_PORT + " to "
                + (HIGHEST_PORT - count + 1) + " (this lab uses " + count + " ports from it on)");
        for (int p = first; p <= last; p++) {
            if (!Cluster.portFree(p)) {
                throw new BadOption("--port " + first + ": port " + p + " on 127.0.0.1 is in use (this lab uses "
                        + first + " to " + last + "): pick others, or stop what holds it");
            }
        }
    }
}
