package labkit.cluster;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lock files a run holds until its JVM ends (the OS releases them however it ends, even SIGKILL):
 * what tells two runs on one machine apart. A lock this JVM already holds counts as its own
 * (JShell runs one lab after another in one JVM).
 */
public final class RunLocks {
    private static final Map<Path, FileLock> HELD = new ConcurrentHashMap<>();

    private RunLocks() {}

    /** Whether this run holds {@code file} now: false when another run holds it. */
    public static boolean hold(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        if (HELD.containsKey(key)) {
            return true;
        }
        var channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            return false;
        }
        HELD.put(key, lock);
        return true;
    }

    /** Gives {@code file} back before the JVM ends. */
    public static void release(Path file) throws IOException {
        FileLock lock = HELD.remove(file.toAbsolutePath().normalize());
        if (lock != null) {
            lock.channel().close();
        }
    }
}
