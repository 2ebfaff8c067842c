package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A tool's folder in the local runtime's work dir, its programs run as the server user on this machine. */
final class LocalToolHost implements ToolHost {
    private final Path dir;
    private final PgInstall clientTools;

    LocalToolHost(Path dir, PgInstall clientTools) {
        this.dir = dir;
        this.clientTools = clientTools;
    }

    @Override public String kind() { return "local"; }
    @Override public String dir() { return dir.toString(); }

    @Override
    public String program(String name) {
        if (name.startsWith("pg_")) {
            return clientTools.tool(name).toString();
        }
        // Debian puts pgpool in /usr/sbin, off an ordinary user's PATH
        return OsUser.which(name).or(() -> java.util.Optional.of(Path.of("/usr/sbin", name)).filter(Files::isExecutable))
                .map(Path::toString).orElse(name);
    }

    @Override
    public String run(Map<String, String> env, Duration timeout, List<String> command) {
        return Processes.run(inFolder(env, command), env, timeout);
    }

    @Override
    public long startInBackground(List<String> command, String log) {
        try {
            return new ProcessBuilder(inFolder(Map.of(), command)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(log).toFile())).start().pid();
        } catch (IOException e) {
            throw new LabException("cannot start " + command.get(0) + ": " + e.getMessage());
        }
    }

    @Override
    public boolean alive(long pid) {
        return ProcessHandle.of(pid).map(Processes::runs).orElse(false);
    }

    @Override
    public void killTree(long pid) {
        var tree = new ArrayList<ProcessHandle>();
        ProcessHandle.of(pid).ifPresent(p -> {
            tree.addAll(p.descendants().toList());
            tree.add(p);
        });
        tree.forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (tree.stream().anyMatch(Processes::runs) && System.nanoTime() < deadline) {
            Wait.sleep(Duration.ofMillis(50));
        }
    }

    @Override
    public void write(String file, String content, boolean secret) {
        Path path = dir.resolve(file);
        try {
            Files.writeString(path, content);
            if (secret) {
                Files.setPosixFilePermissions(path, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new LabException("cannot write " + path + ": " + e.getMessage());
        }
        OsUser.chown(path);
    }

    @Override
    public List<String> read(String file) {
        return ServerLog.tail(dir.resolve(file), Integer.MAX_VALUE);
    }

    @Override
    public List<String> files() {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public void delete(String file) {
        try {
            Files.deleteIfExists(dir.resolve(file));
        } catch (IOException e) {
            throw new LabException("cannot remove " + dir.resolve(file) + ": " + e.getMessage());
        }
    }

    @Override
    public long size(String file) {
        try {
            return Files.size(dir.resolve(file));
        } catch (IOException e) {
            throw new LabException("no " + dir.resolve(file) + ": " + e.getMessage());
        }
    }

    @Override
    public NodeRuntime.Endpoint reach(Node node) {
        return new NodeRuntime.Endpoint(node.host(), node.port());
    }

    @Override public String listenAddress() { return "127.0.0.1"; }
    @Override public int listenPort(int port) { return port; }

    @Override
    public String commandLine(List<String> command) {
        var cmd = new ArrayList<>(List.of("env", "HOME=" + dir));
        cmd.addAll(command);
        return "cd " + dir + " && " + String.join(" ", OsUser.asServerUser(cmd));
    }

    @Override
    public String typed(List<String> command) {
        return String.join(" ", command);
    }

    @Override
    public void keep(String file, Path logDir, String name) {
        ServerLog.keep(dir.resolve(file), logDir, name);
    }

    /**
     * In the folder, with HOME there (Bucardo writes ~/.pgpass and `bucardo stop` writes into the
     * current folder) and without a PGPASSWORD of the lab's own environment, unless {@code env} sets it.
     */
    private List<String> inFolder(Map<String, String> env, List<String> command) {
        var cmd = new ArrayList<>(List.of("env", "-C", dir.toString()));
        if (!env.containsKey("PGPASSWORD")) {
            cmd.addAll(List.of("-u", "PGPASSWORD"));
        }
        cmd.add("HOME=" + dir);
        cmd.addAll(command);
        return OsUser.asServerUser(cmd);
    }
}
