package labkit.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A logical copy of the lab's database: {@code pg_dump -Fc} and {@code pg_restore}, with the
 * client programs of the source's own major, beside it (locally a folder of the work dir, in
 * compose the source's container). An older pg_dump refuses a newer server ("aborting because
 * of server version mismatch"); pg_restore can load a dump into a newer server.
 */
public final class PgDump {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private PgDump() {}

    /** A dump taken: where it is, its file, its size and how long pg_dump took. */
    public record Dump(ToolHost where, String file, long bytes, double seconds) {}

    /** {@code pg_dump -Fc} of the lab database on {@code source} into {@code file} of {@code where}; returns its size. */
    static long dump(ToolHost where, Node source, String file) {
        var cmd = new ArrayList<>(List.of(where.program("pg_dump"), "-Fc", "--no-publications", "--no-subscriptions"));
        cmd.addAll(connection(where, source)); // publications and subscriptions stay on the source
        cmd.addAll(List.of("-f", where.path(file), Env.get().database()));
        where.run(password(), TIMEOUT, cmd);
        return where.size(file);
    }

    /**
     * {@code pg_restore} of {@code dump} into the (empty) lab database on {@code target}, without
     * the archive's entries that {@code skip} matches in its table of contents ({@code pg_restore -l}
     * lines, e.g. Bucardo's triggers): they are left out through a list file ({@code -L}).
     */
    static void restore(Dump dump, Node target, Predicate<String> skip) {
        ToolHost where = dump.where();
        String pgRestore = where.program("pg_restore");
        var cmd = new ArrayList<>(List.of(pgRestore, "--no-owner", "--exit-on-error"));
        List<String> toc = where.run(Map.of(), TIMEOUT, List.of(pgRestore, "-l", where.path(dump.file()))).lines().toList();
        if (toc.stream().anyMatch(skip)) {
            String list = dump.file() + "." + target.name() + ".list";
            where.write(list, String.join("\n", toc.stream().filter(skip.negate()).toList()) + "\n", false);
            cmd.addAll(List.of("-L", where.path(list)));
        }
        cmd.addAll(connection(where, target));
        cmd.addAll(List.of("-d", Env.get().database(), where.path(dump.file())));
        where.run(password(), TIMEOUT, cmd);
    }

    /** The {@code pg_dump} a student types for {@link #dump}, into {@code file}. */
    static String dumpCommand(ToolHost where, Node source, String file) {
        var cmd = new ArrayList<>(List.of("pg_dump", "-Fc"));
        cmd.addAll(connection(where, source));
        cmd.addAll(List.of("-f", file, Env.get().database()));
        return where.typed(cmd);
    }

    /** The {@code pg_restore} a student types for {@link #restore} of {@code file} (without a list of entries to skip). */
    static String restoreCommand(ToolHost where, Node target, String file) {
        var cmd = new ArrayList<>(List.of("pg_restore", "--no-owner"));
        cmd.addAll(connection(where, target));
        cmd.addAll(List.of("-d", Env.get().database(), file));
        return where.typed(cmd);
    }

    private static List<String> connection(ToolHost where, Node node) {
        var endpoint = where.reach(node);
        return List.of("-h", endpoint.host(), "-p", String.valueOf(endpoint.port()), "-U", Env.get().superuser());
    }

    private static Map<String, String> password() {
        return Map.of("PGPASSWORD", Env.get().superuserPassword());
    }
}
