package labkit.cluster;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A PostgreSQL install found (or fetched) by {@link PgBinaries}. {@code source} says where from:
 * "--pg-bin", "PATH", "system", "homebrew" or "maven-central". Binaries from Maven Central carry
 * only postgres, initdb and pg_ctl, so callers check {@code hasPgBasebackup}/{@code hasPgRewind}.
 */
public record PgInstall(Path binDir, int major, String version, String source,
                        boolean hasPgBasebackup, boolean hasPgRewind) {

    /** The path of a program of this install; a one-line error when the install lacks it. */
    public Path tool(String name) {
        Path p = binDir.resolve(name);
        if (!Files.isExecutable(p)) {
            throw new LabException("PostgreSQL " + version + " in " + binDir + " (" + source + ") has no " + name
                    + ": install PostgreSQL with its client programs and pass its bin folder with --pg-bin");
        }
        return p;
    }
}
