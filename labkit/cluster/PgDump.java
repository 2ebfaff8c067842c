package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A logical copy of the lab's database: {@code pg_dump -Fc} and {@code pg_restore}, with the
 * client programs of {@code tools}. Take the dump with the source server's own major: an older
 * pg_dump refuses a newer server ("aborting because of server version mismatch"); pg_restore
 * can load a dump into a newer server.
 */
public final class PgDump {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private PgDump() {}

    /** A dump taken: its file, its size and how long pg_dump took. */
    public record Dump(Path file, long bytes, double seconds) {}

    /** {@code pg_dump -Fc} of the lab database on {@code source} into {@code file}; returns the file's size. */
    public static long dump(PgInstall tools, Node source, Path file) {
        Processes.run(OsUser.asServerUser(dumpCommand(tools, source, file)), password(), TIMEOUT);
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new LabException("pg_dump wrote no " + file + ": " + e.getMessage());
        }
    }

    /** What {@link #dump} runs: publications and subscriptions stay on the source. */
    public static List<String> dumpCommand(PgInstall tools, Node source, Path file) {
        var cmd = new ArrayList<>(List.of(tools.tool("pg_dump").toString(), "-Fc", "--no-publications", "--no-subscriptions"));
        cmd.addAll(connection(source));
        cmd.addAll(List.of("-f", file.toString(), Env.get().database()));
        return cmd;
    }

    /**
     * {@code pg_restore} of {@code file} into the (empty) lab database on {@code target}, without
     * the archive's entries that {@code skip} matches in its table of contents ({@code pg_restore -l}
     * lines, e.g. Bucardo's triggers): they are left out through a list file ({@code -L}).
     */
    public static void restore(PgInstall tools, Path file, Node target, Predicate<String> skip) {
        var cmd = new ArrayList<>(List.of(tools.tool("pg_restore").toString(), "--no-owner", "--exit-on-error"));
        List<String> toc = Processes.run(OsUser.asServerUser(List.of(tools.tool("pg_restore").toString(), "-l",
                file.toString())), Map.of(), TIMEOUT).lines().toList();
        if (toc.stream().anyMatch(skip)) {
            Path list = file.resolveSibling(file.getFileName() + "." + target.name() + ".list");
            try {
                Files.write(list, toc.stream().filter(skip.negate()).toList());
            } catch (IOException e) {
                throw new LabException("cannot write " + list + ": " + e.getMessage());
            }
            OsUser.chown(list);
            cmd.addAll(List.of("-L", list.toString()));
        }
        cmd.addAll(connection(target));
        cmd.addAll(List.of("-d", Env.get().database(), file.toString()));
        Processes.run(OsUser.asServerUser(cmd), password(), TIMEOUT);
    }

    /** The restore a student types (without a list of entries to skip). */
    public static String restoreCommand(Node target, Path file) {
        return "pg_restore --no-owner " + String.join(" ", connection(target)) + " -d " + Env.get().database() + " " + file;
    }

    private static List<String> connection(Node node) {
        return List.of("-h", node.host(), "-p", String.valueOf(node.port()), "-U", Env.get().superuser());
    }

    private static Map<String, String> password() {
        return Map.of("PGPASSWORD", Env.get().superuserPassword());
    }
}
