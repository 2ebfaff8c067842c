package labkit.cluster;

import com.sun.security.auth.module.UnixSystem;
import java.io.File;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PostgreSQL refuses to run as root. When the kit itself runs as root (CI does), the servers run
 * as an unprivileged OS user instead: {@code postgres} when it exists, else {@code nobody}.
 * As an ordinary user, everything runs as that user and these methods change nothing.
 */
final class OsUser {
    private static final boolean ROOT = File.separatorChar == '/' && new UnixSystem().getUid() == 0;
    private static String serverGroup;

    private OsUser() {}

    public static boolean isRoot() {
        return ROOT;
    }

    /** The user that runs the servers when the kit runs as root; empty otherwise. */
    public static Optional<String> serverUser() {
        if (!ROOT) {
            return Optional.empty();
        }
        return Optional.of(exists("postgres") ? "postgres" : "nobody");
    }

    /** {@code cmd} as the server user: {@code runuser -u postgres -- cmd} as root, {@code cmd} itself otherwise. */
    public static List<String> asServerUser(List<String> cmd) {
        Optional<String> user = serverUser();
        if (user.isEmpty()) {
            return cmd;
        }
        String u = user.get();
        var wrapped = new ArrayList<String>();
        if (which("runuser").isPresent()) {
            wrapped.addAll(List.of("runuser", "-u", u, "--"));
        } else if (which("setpriv").isPresent()) {
            wrapped.addAll(List.of("setpriv", "--reuid=" + u, "--regid=" + group(u), "--init-groups", "--"));
        } else if (which("sudo").isPresent()) {
            wrapped.addAll(List.of("sudo", "-u", u, "--"));
        } else {
            throw new LabException("running as root, but neither runuser, setpriv nor sudo is there to run PostgreSQL as "
                    + u + ": run the lab as an ordinary user");
        }
        wrapped.addAll(cmd);
        return wrapped;
    }

    /** Gives {@code path} and everything below it to the server user (nothing to do unless root). */
    public static void chown(Path path) {
        Optional<String> user = serverUser();
        if (user.isPresent()) {
            Processes.run(List.of("chown", "-R", user.get() + ":" + group(user.get()), path.toString()), Map.of(), Duration.ofMinutes(2));
        }
    }

    /** Where {@code command} is on PATH, like the shell's {@code command -v}. */
    static Optional<Path> which(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command)) && !Files.isDirectory(Path.of(dir, command))) {
                return Optional.of(Path.of(dir, command));
            }
        }
        return Optional.empty();
    }

    private static boolean exists(String user) {
        try {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(user);
            return true;
        } catch (UserPrincipalNotFoundException e) {
            return false;
        } catch (IOException e) {
            throw new LabException("cannot look up OS user " + user + ": " + e.getMessage(), e);
        }
    }

    /** The user's login group: chown and setpriv need it by name, and only `id` knows it portably. */
    private static synchronized String group(String user) {
        if (serverGroup == null) {
            serverGroup = Processes.run(List.of("id", "-gn", user), Map.of(), Duration.ofSeconds(30)).strip();
        }
        return serverGroup;
    }
}
