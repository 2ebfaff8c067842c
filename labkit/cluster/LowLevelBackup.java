package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * A base backup without pg_basebackup (the server binaries fetched from Maven Central have none):
 * PostgreSQL's documented low-level API. One session calls pg_backup_start, the files are copied
 * while the primary keeps running, the same session calls pg_backup_stop, and its label file
 * becomes the copy's backup_label. The WAL the copy needs streams from the replication slot,
 * which was created (reserving WAL) before the backup started.
 */
final class LowLevelBackup {
    /** Left out of a base backup, as the documentation lists them: recreated or meaningless in a copy. */
    private static final Set<String> SKIPPED_DIRS_CONTENT = Set.of("pg_wal", "pg_replslot", "pg_stat_tmp",
            "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans");
    private static final Set<String> SKIPPED_FILES = Set.of("postmaster.pid", "postmaster.opts", "backup_label",
            "tablespace_map", "standby.signal", "recovery.signal");

    private LowLevelBackup() {}

    static long copy(LocalNode primary, Path target, LongConsumer bytesCopied) {
        try (Connection c = primary.connect(); var st = c.createStatement()) {
            boolean modern = c.getMetaData().getDatabaseMajorVersion() >= 15;
            st.execute(modern ? "SELECT pg_backup_start('pglab', true)" : "SELECT pg_start_backup('pglab', true, false)");
            long bytes = copyTree(primary.dataDir(), target, bytesCopied);
            // the server refuses a data directory that others may read
            Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            try (var rs = st.executeQuery(modern ? "SELECT labelfile, spcmapfile FROM pg_backup_stop(false)"
                    : "SELECT labelfile, spcmapfile FROM pg_stop_backup(false, false)")) {
                rs.next();
                Files.writeString(target.resolve("backup_label"), rs.getString(1));
                String spcmap = rs.getString(2);
                if (spcmap != null && !spcmap.isEmpty()) {
                    Files.writeString(target.resolve("tablespace_map"), spcmap);
                }
            }
            return bytes;
        } catch (SQLException | IOException e) {
            throw new LabException("low-level base backup of " + primary.name() + " failed: " + e.getMessage(), e);
        }
    }

    private static long copyTree(Path source, Path target, LongConsumer bytesCopied) throws IOException {
        long[] bytes = {0};
        try (var paths = Files.walk(source)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path rel = source.relativize(p);
                if (skipped(rel)) {
                    continue;
                }
                Path dest = target.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    try {
                        Files.copy(p, dest, StandardCopyOption.REPLACE_EXISTING);
                    } catch (java.nio.file.NoSuchFileException vanished) {
                        continue; // dropped by the running server during the copy: WAL replay recreates what matters
                    }
                    bytes[0] += Files.size(dest);
                    bytesCopied.accept(bytes[0]);
                }
            }
        }
        return bytes[0];
    }

    private static boolean skipped(Path rel) {
        if (rel.getNameCount() == 0) {
            return false;
        }
        if (rel.getNameCount() == 1) {
            return SKIPPED_FILES.contains(rel.toString());
        }
        return SKIPPED_DIRS_CONTENT.contains(rel.getName(0).toString());
    }
}
