//DEPS info.picocli:picocli:4.7.7
package labkit.notebook;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options every lab shares (a picocli mixin); each lab adds its own. */
public class LabOptions {
    @Option(names = "--runtime", defaultValue = "auto", paramLabel = "auto|docker|local",
            description = "Where nodes run: docker (compose.yaml), local (PostgreSQL processes), "
                    + "auto = docker when an engine answers, else local. Default: ${DEFAULT-VALUE}.")
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

    @Option(names = "--pg-bin", paramLabel = "DIR", description = "local runtime: the bin folder of a PostgreSQL install.")
    public Optional<Path> pgBin;

    @Option(names = "--pg-version", paramLabel = "MAJOR",
            description = "PostgreSQL major (docker image tag; local: fetched from Maven Central when not installed). "
                    + "Default: PG_MAJOR from .env, or the installed one.")
    public String pgVersion;

    @Option(names = "--dataset", defaultValue = "auto", paramLabel = "auto|generated|official",
            description = "Pagila source: generated here, or the official dump (downloaded); auto = official when "
                    + "it can be had, else generated. Default: ${DEFAULT-VALUE}.")
    public String dataset;

    @Option(names = "--scale", defaultValue = "1", paramLabel = "N",
            description = "Generated Pagila: multiply inventory, rentals and payments by N. Default: ${DEFAULT-VALUE}.")
    public int scale;

    @Option(names = "--out", paramLabel = "DIR", description = "Where results go. Default: out/<lab>.")
    public Path out;
}
