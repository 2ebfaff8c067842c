package labkit.cluster;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a cluster is asked to be (the lab's --runtime, --port, --keep, --pg-bin, --pg-version).
 *
 * @param name      the lab's name: the compose project is pglab-&lt;name&gt;
 * @param runtime   auto, docker or local
 * @param port      the primary's port (the standby gets the next), or null for 15432 or free ports
 * @param keep      leave the cluster running at the end
 * @param pgBin     local runtime: the bin folder of a PostgreSQL install
 * @param pgVersion the PostgreSQL major, or null for PG_MAJOR from .env (docker) or the installed one (local)
 * @param logDir    where the nodes' logs are kept (out/&lt;lab&gt;/logs)
 * @param minimumMajor the oldest PostgreSQL major the lab can use (0: any): when the one chosen is
 *                  older, PG_MAJOR from .env (or this major, if newer) is taken instead, and said
 * @param image     docker runtime: the nodes' image (the official postgres unless the lab has its own)
 */
public record ClusterOptions(String name, String runtime, Integer port, boolean keep, Optional<Path> pgBin,
                             String pgVersion, Path logDir, int minimumMajor, DockerImage image) {

    public ClusterOptions(String name, String runtime, Integer port, boolean keep, Optional<Path> pgBin,
                          String pgVersion, Path logDir) {
        this(name, runtime, port, keep, pgBin, pgVersion, logDir, 0, DockerImage.OFFICIAL);
    }

    /**
     * Another cluster of the same lab (a later part that needs other nodes): compose project
     * pglab-&lt;name&gt;-&lt;part&gt;, ports from {@code port} on (null: the defaults, or free ones), node
     * logs in logs/&lt;part&gt;, so that with --keep both stay up side by side.
     */
    public ClusterOptions part(String part, Integer port) {
        return new ClusterOptions(name + "-" + part, runtime, port, keep, pgBin, pgVersion, logDir.resolve(part),
                minimumMajor, image);
    }

    /** The same cluster on PostgreSQL {@code major} or newer (e.g. 16 for bidirectional logical replication). */
    public ClusterOptions withMinimumMajor(int major) {
        return new ClusterOptions(name, runtime, port, keep, pgBin, pgVersion, logDir, major, image);
    }

    /** The same cluster, on the docker runtime of the lab's own {@code image}: lab05's nodes need its tools' image. */
    public ClusterOptions onDocker(DockerImage image) {
        return new ClusterOptions(name, runtime, port, keep, pgBin, pgVersion, logDir, minimumMajor, image);
    }

    /** {@code found} when it is new enough, else the major to take instead: PG_MAJOR, or the minimum if newer. */
    int majorFor(int found) {
        return found >= minimumMajor ? found : Math.max(minimumMajor, Integer.parseInt(Env.get().pgMajor()));
    }
}
