//DEPS org.postgresql:postgresql:42.7.8
package labkit.workload;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.regex.Pattern;
import labkit.cluster.Env;
import labkit.cluster.Http;
import labkit.cluster.LabException;
import labkit.cluster.Narrator;
import labkit.cluster.Node;

/**
 * Loads the Pagila sample database into the (empty) lab database of the primary. Two sources:
 * <ul>
 * <li>{@code generated}: pagila/schema.sql (a Pagila-compatible schema written for pglab) and
 *     pagila/generate.sql (a seeded, deterministic generator, {@code scale} times the rentals);
 * <li>{@code official}: pagila-schema.sql and pagila-data.sql of the official Pagila,
 *     downloaded once into pagila/cache/ and loaded through JDBC (COPY blocks via CopyManager).
 * </ul>
 * {@code auto} takes the official one when it can be had and loaded, else the generated one,
 * and says why. pagila/pglab.sql (the lab's own table) follows either. The same .sql files run
 * by hand with psql (scripts/init-db.sh does so in the containers), with no Java at all.
 */
public final class Pagila {
    private Pagila() {}

    /** The tables the labs count on every node. */
    public static final List<String> MAIN_TABLES = List.of("rental", "payment", "film", "customer", "inventory");

    /** What was loaded: "generated" or "official", the scale (1 for official) and how long it took. */
    public record Dataset(String source, int scale, double seconds) {}

    static final URI OFFICIAL_BASE = URI.create("https://raw.githubusercontent.com/devrimgunduz/pagila/master/");
    static final String OFFICIAL_SCHEMA = "pagila-schema.sql";
    static final String OFFICIAL_DATA = "pagila-data.sql";

    /** A machine without network gives up on the official dump quickly and loads the generated one. */
    private static final Http HTTP = new Http(Duration.ofSeconds(5));
    private static final Pattern INSERT_INTO = Pattern.compile("(?is)^INSERT\\s+INTO\\s+(\\w+).*");

    /**
     * Loads Pagila through {@code superuserConnection}, a superuser connection to the empty lab
     * database. {@code requestedSource} is auto, generated or official; {@code progress} gets
     * short lines ("film 1,000", "official data 40%") to print while it runs.
     */
    public static Dataset load(Connection superuserConnection, String requestedSource, int scale,
                               Consumer<String> progress) {
        Path dir = Env.get().root().resolve("pagila");
        return load(superuserConnection, requestedSource, scale, progress, dir, dir.resolve("cache"), OFFICIAL_BASE);
    }

    /**
     * Loads Pagila onto {@code primary}, a fresh primary with an empty lab database, and says what
     * was loaded and how long it took; the dataset is returned for summary.json.
     */
    public static Dataset loadOnto(Node primary, String requestedSource, int scale, Narrator narrator) {
        try (var c = primary.connect()) {
            var dataset = load(c, requestedSource, scale, narrator::progress);
            narrator.result(String.format("Loaded the %s Pagila (scale %d) in %.1f s.", dataset.source(), dataset.scale(),
                    dataset.seconds()));
            return dataset;
        } catch (SQLException e) {
            throw new LabException("cannot load Pagila on " + primary.name() + ": " + e.getMessage());
        }
    }

    /** As above, with the folder of our .sql files, the download cache and the official files' address given. */
    static Dataset load(Connection c, String requestedSource, int scale, Consumer<String> progress,
                        Path sqlDir, Path cache, URI officialBase) {
        if (scale < 1) {
            throw new LabException("--scale must be 1 or more, got " + scale);
        }
        if (!List.of("auto", "generated", "official").contains(requestedSource)) {
            throw new LabException("unknown dataset '" + requestedSource + "': use auto, generated or official");
        }
        long start = System.nanoTime();
        // Statement by statement, each in its own transaction, as psql runs a file.
        boolean autoCommit = autoCommit(c, true);
        try {
            String source = switch (requestedSource) {
                case "generated" -> generated(c, scale, sqlDir, progress);
                case "official" -> official(c, scale, cache, officialBase, progress);
                default -> auto(c, scale, sqlDir, cache, officialBase, progress);
            };
            runOwn(c, sqlDir.resolve("pglab.sql"), progress);
            execute(c, "ANALYZE");
            progress.accept("analyzed");
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Dataset(source, source.equals("official") ? 1 : scale, seconds);
        } finally {
            autoCommit(c, autoCommit);
        }
    }

    /** Sets autocommit and returns what it was. */
    private static boolean autoCommit(Connection c, boolean on) {
        try {
            boolean was = c.getAutoCommit();
            c.setAutoCommit(on);
            return was;
        } catch (SQLException e) {
            throw new LabException("cannot set autocommit on the connection: " + e.getMessage(), e);
        }
    }

    private static String auto(Connection c, int scale, Path sqlDir, Path cache, URI officialBase,
                               Consumer<String> progress) {
        try {
            download(cache, officialBase, progress);
        } catch (IOException e) {
            progress.accept("official Pagila not available (" + e.getMessage() + "): loading the generated dataset");
            return generated(c, scale, sqlDir, progress);
        }
        try {
            return official(c, scale, cache, officialBase, progress);
        } catch (LabException e) {
            progress.accept(e.getMessage());
            progress.accept("emptying the database and loading the generated dataset instead");
            execute(c, "DROP SCHEMA public CASCADE");
            execute(c, "CREATE SCHEMA public");
            execute(c, "GRANT USAGE ON SCHEMA public TO PUBLIC");
            return generated(c, scale, sqlDir, progress);
        }
    }

    private static String generated(Connection c, int scale, Path sqlDir, Consumer<String> progress) {
        progress.accept("schema (generated Pagila)");
        runOwn(c, sqlDir.resolve("schema.sql"), progress);
        execute(c, "SET pglab.scale = " + scale);
        try {
            runOwn(c, sqlDir.resolve("generate.sql"), progress);
        } finally {
            execute(c, "RESET pglab.scale");
        }
        return "generated";
    }

    /** Our own files stop at the first error, like psql -v ON_ERROR_STOP=1; each INSERT reports its rows. */
    private static void runOwn(Connection c, Path file, Consumer<String> progress) {
        try {
            PagilaSqlFile.run(c, file, PagilaSqlFile.OnError.STOP, (sql, rows, read) -> {
                var insert = INSERT_INTO.matcher(sql);
                if (insert.matches()) {
                    progress.accept(insert.group(1) + " " + String.format(Locale.ROOT, "%,d", rows));
                }
            });
        } catch (IOException | SQLException e) {
            throw new LabException("cannot load " + file + ": " + e.getMessage(), e);
        }
    }

    private static String official(Connection c, int scale, Path cache, URI officialBase, Consumer<String> progress) {
        try {
            download(cache, officialBase, progress);
        } catch (IOException e) {
            throw new LabException("cannot download the official Pagila (" + e.getMessage()
                    + "): use --dataset generated, or put " + OFFICIAL_SCHEMA + " and " + OFFICIAL_DATA
                    + " in " + cache);
        }
        if (scale != 1) {
            progress.accept("the official Pagila has one size: --scale " + scale + " does not apply to it");
        }
        progress.accept("schema (official Pagila)");
        var schema = runOfficial(c, cache.resolve(OFFICIAL_SCHEMA), read -> {});
        int[] shown = {0};
        DoubleConsumer dataRead = read -> {
            int tenth = (int) (read * 10);
            if (tenth > shown[0]) {
                shown[0] = tenth;
                progress.accept("official data " + tenth * 10 + "%");
            }
        };
        var data = runOfficial(c, cache.resolve(OFFICIAL_DATA), dataRead);
        dataRead.accept(1.0);
        var failures = new ArrayList<>(schema.failures());
        failures.addAll(data.failures());
        var skipped = new TreeSet<>(schema.skippedCommands());
        skipped.addAll(data.skippedCommands());
        if (!skipped.isEmpty()) {
            progress.accept("skipped psql commands " + String.join(", ", skipped) + " (only psql knows them)");
        }
        String empty = emptyMainTable(c);
        if (empty != null) {
            boolean before18 = !queryBoolean(c, "SELECT current_setting('server_version_num')::int >= 180000");
            throw new LabException("the official Pagila did not load: " + empty
                    + (failures.isEmpty() ? "" : "; first error at " + failures.get(0))
                    + (before18 ? " (the current official Pagila is written for PostgreSQL 18 and newer)" : "")
                    + ": use --dataset generated");
        }
        if (!failures.isEmpty()) {
            progress.accept(failures.size() + " statements of the official Pagila failed and were skipped, as psql"
                    + " would (the main tables are complete); first at " + failures.get(0));
        }
        progress.accept("official: " + String.format(Locale.ROOT, "%,d", data.rowsCopied()) + " rows copied");
        return "official";
    }

    /** pg_dump's files set search_path to '' and more: give the session its defaults back afterwards. */
    private static PagilaSqlFile.Result runOfficial(Connection c, Path file, DoubleConsumer read) {
        try {
            return PagilaSqlFile.run(c, file, PagilaSqlFile.OnError.CONTINUE,
                    (sql, rows, fraction) -> read.accept(fraction));
        } catch (PsqlLexer.Malformed e) {
            throw new LabException(file + " is not a complete SQL file: " + e.getMessage()
                    + "; delete it so that it is downloaded again, or use --dataset generated");
        } catch (IOException | SQLException e) {
            throw new LabException("cannot load " + file + ": " + e.getMessage(), e);
        } finally {
            execute(c, "RESET ALL");
        }
    }

    /** The first main table that is missing or empty, said in words, or null when all have rows. */
    private static String emptyMainTable(Connection c) {
        for (String table : MAIN_TABLES) {
            if (!queryBoolean(c, "SELECT to_regclass('public." + table + "') IS NOT NULL")) {
                return "table " + table + " is missing";
            }
            if (!queryBoolean(c, "SELECT EXISTS (SELECT FROM public." + table + ")")) {
                return "table " + table + " is empty";
            }
        }
        return null;
    }

    /**
     * Puts the two official files into {@code cache} unless they are there already. Each is
     * downloaded to a temporary name and moved in place only when complete and looking like a
     * pg_dump file, so an interrupted download is never mistaken for the real thing.
     */
    static void download(Path cache, URI base, Consumer<String> progress) throws IOException {
        for (String name : List.of(OFFICIAL_SCHEMA, OFFICIAL_DATA)) {
            Path target = cache.resolve(name);
            if (Files.isRegularFile(target)) {
                continue;
            }
            URI uri = base.resolve(name);
            progress.accept("downloading " + uri);
            Files.createDirectories(cache);
            Path partial = Files.createTempFile(cache, name, ".part");
            try {
                HTTP.download(uri, partial, null);
                if (!looksLikeDump(partial)) {
                    throw new IOException(uri + " did not send a pg_dump file");
                }
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
    }

    private static boolean looksLikeDump(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(200), StandardCharsets.UTF_8).contains("PostgreSQL database dump");
        }
    }

    private static boolean queryBoolean(Connection c, String sql) {
        try (var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException e) {
            throw new LabException("`" + sql + "` failed: " + e.getMessage(), e);
        }
    }

    private static void execute(Connection c, String sql) {
        try (var st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new LabException("`" + sql + "` failed: " + e.getMessage(), e);
        }
    }
}
