package labkit.cluster;

/**
 * The command a student types to do by hand what the kit does to a node: the compose CLI of the
 * lab's project for the docker runtime, pg_ctl on the node's data directory for the local one.
 */
public final class ByHand {
    private ByHand() {}

    /** A fast shutdown: {@link Node#stop()}. */
    public static String stop(Node node) {
        return node instanceof DockerNode d ? d.composeCommandLine("stop", d.name())
                : pgCtl(node, "stop", "-m fast");
    }

    public static String start(Node node) {
        return node instanceof DockerNode d ? d.composeCommandLine("start", d.name())
                : pgCtl(node, "start", "-l " + ((LocalNode) node).logFile());
    }

    /** A crash: {@link Node#kill()}. */
    public static String kill(Node node) {
        return node instanceof DockerNode d ? d.composeCommandLine("kill", d.name())
                : "kill -9 $(head -1 " + ((LocalNode) node).dataDir().resolve("postmaster.pid")
                        + ")    (and each of its children: they are not in its process group)";
    }

    public static String promote(Node node) {
        return node instanceof DockerNode d ? d.composeCommandLine("exec", "-u", "postgres", d.name(), "pg_ctl", "promote")
                : pgCtl(node, "promote");
    }

    /** Where the node's server log is. */
    public static String logs(Node node) {
        return node instanceof DockerNode d ? d.composeCommandLine("logs", d.name())
                : "less " + ((LocalNode) node).logFile() + "    (kept in out/<lab>/logs after the run)";
    }

    private static String pgCtl(Node node, String action, String... options) {
        return ("pg_ctl " + action + " -D " + ((LocalNode) node).dataDir() + " " + String.join(" ", options)).strip();
    }
}
