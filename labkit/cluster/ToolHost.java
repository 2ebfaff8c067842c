package labkit.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where a program beside the nodes runs (pg_dump, Bucardo, pgpool-II): its own folder, as the
 * server user, on this machine ({@link LocalToolHost}) or in a container of the lab's compose
 * project ({@link DockerToolHost}). File names are relative to that folder; paths are as the
 * program sees them.
 */
interface ToolHost {

    /** "local" or "docker". */
    String kind();

    /** The folder's path, as the program sees it. */
    String dir();

    /** {@code file} of the folder, as the program sees it. */
    default String path(String file) {
        return dir() + "/" + file;
    }

    /** A program by name: the client programs (pg_dump, pg_restore) of the runtime's major, else what PATH finds. */
    String program(String name);

    /**
     * Runs {@code command} as the server user in the folder, with HOME there and without PGPASSWORD
     * unless {@code env} sets it; returns its output, or throws it in a LabException when it fails.
     */
    String run(Map<String, String> env, Duration timeout, List<String> command);

    /** Starts {@code command} like {@link #run}, in the background, its output appended to {@code log}; returns its PID. */
    long startInBackground(List<String> command, String log);

    boolean alive(long pid);

    /** SIGKILL to {@code pid} and its children, waiting until they are gone. */
    void killTree(long pid);

    /** Writes {@code file}, readable by the server user only when {@code secret}. */
    void write(String file, String content, boolean secret);

    /** The lines of {@code file}; none when it is not there (yet). */
    List<String> read(String file);

    List<String> files();

    void delete(String file);

    long size(String file);

    /** How the program reaches {@code node} directly. */
    NodeRuntime.Endpoint reach(Node node);

    /** The address and port a server program here listens on, to be reached at {@code port} of this machine. */
    String listenAddress();

    int listenPort(int port);

    /** How a student runs {@code command} there by hand, exactly (to stop a tool the lab left running). */
    String commandLine(List<String> command);

    /** The same as the lab shows it: locally the command alone, as typed in a shell. */
    default String typed(List<String> command) {
        return commandLine(command);
    }

    /** Copies {@code file} into {@code logDir} as {@code name} (before the folder goes). */
    void keep(String file, Path logDir, String name);
}
