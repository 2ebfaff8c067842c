package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The repository's {@code .env}: the same file docker compose reads, so both runtimes use the
 * same major version, users and passwords. Environment variables override it, as in compose.
 */
public record Env(Path root, Map<String, String> values) {
    private static Env current;

    public static synchronized Env get() {
        if (current == null) {
            current = load(findRoot());
        }
        return current;
    }

    static Env load(Path root) {
        var values = new HashMap<String, String>();
        try {
            for (String line : Files.readAllLines(root.resolve(".env"))) {
                line = line.strip();
                int eq = line.indexOf('=');
                if (line.isEmpty() || line.startsWith("#") || eq < 0) {
                    continue;
                }
                values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        } catch (IOException e) {
            throw new LabException("cannot read " + root.resolve(".env") + ": run the lab from the pglab folder");
        }
        System.getenv().forEach((k, v) -> {
            if (values.containsKey(k)) {
                values.put(k, v);
            }
        });
        return new Env(root, Map.copyOf(values));
    }

    /** The pglab folder: the nearest folder upwards from the working directory that has compose.yaml and .env. */
    static Path findRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(".env")) && Files.isDirectory(p.resolve("labkit"))) {
                return p;
            }
        }
        throw new LabException("cannot find the pglab folder (with .env and labkit/): run the lab from inside it");
    }

    public String value(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new LabException(".env has no " + key + ": restore it from git");
        }
        return v;
    }

    public String pgMajor() { return value("PG_MAJOR"); }
    public String superuser() { return value("POSTGRES_USER"); }
    public String superuserPassword() { return value("POSTGRES_PASSWORD"); }
    public String database() { return value("POSTGRES_DB"); }
    public String replicationUser() { return value("REPLICATION_USER"); }
    public String replicationPassword() { return value("REPLICATION_PASSWORD"); }
}
