package labkit.cluster;

import java.time.Duration;
import java.util.ArrayList;

/**
 * The replication programs that run beside the cluster's servers: Bucardo (with PL/Perl of the
 * servers' exact version, for its database) and pgpool-II. Locally they are this machine's
 * packages; on Docker they come with the nodes' image, {@value #DOCKER_IMAGE}
 * (docker/mechanisms-image). A lab that needs them checks first, so that it stops with one line
 * before any node starts.
 */
public final class ReplicationTools {
    /** The image repository of nodes with Bucardo, pgpool-II and PL/Perl (docker/mechanisms-image). */
    public static final String DOCKER_IMAGE = "pglab/mechanisms";
    /** The newest major whose image has Bucardo: Debian's sid (18) no longer packages it. */
    public static final String DOCKER_MAJOR = "17";

    private ReplicationTools() {}

    /** The nodes' image on Docker: {@link #DOCKER_IMAGE}, the leader on {@link #DOCKER_MAJOR}, its followers on {@code newer}. */
    public static DockerImage dockerImage(java.util.function.IntUnaryOperator newer) {
        return new DockerImage(DOCKER_IMAGE, DOCKER_MAJOR, newer, "docker/mechanisms-image/build.sh", DOCKER_IMAGE);
    }

    /**
     * Throws one line naming what is missing: locally the Debian packages of Bucardo, its PL/Perl
     * and pgpool-II; on Docker the image of the leader's major with them, or that of {@code newerMajor}.
     */
    public static void require(Cluster cluster, int newerMajor) {
        if (cluster.nodeRuntime() instanceof DockerRuntime docker) {
            requireImages(docker, newerMajor);
            return;
        }
        var missing = new ArrayList<String>();
        Bucardo.missing(cluster.clientTools()).ifPresent(missing::add);
        if (Pgpool.program().isEmpty()) {
            missing.add("pgpool2");
        }
        if (!missing.isEmpty()) {
            throw new LabException("this lab runs Bucardo and pgpool-II beside PostgreSQL; missing here: " + String.join(", ", missing)
                    + ". On Debian: apt-get install bucardo pgpool2 postgresql-plperl-" + cluster.major()
                    + " (pinned to the installed server's version)");
        }
    }

    private static void requireImages(DockerRuntime docker, int newerMajor) {
        String leader = docker.image(String.valueOf(docker.major()));
        String newer = docker.image(String.valueOf(newerMajor));
        String build = ": build it with docker/mechanisms-image/build.sh " + docker.major() + " " + newerMajor
                + " (on the CI test images), or docker build --build-arg PG_MAJOR=<major> -t " + docker.image("<major>")
                + " docker/mechanisms-image";
        for (String image : java.util.List.of(leader, newer)) {
            if (!docker.engine().hasImage(image)) {
                throw new LabException("lab05 on Docker needs the image " + image + ", which is not here" + build);
            }
        }
        var tools = docker.engine().runImage(leader, Duration.ofSeconds(60), "sh", "-c",
                "command -v bucardo && test -x /usr/sbin/pgpool && ls /usr/lib/postgresql/*/lib/plperl.so");
        if (tools.exitCode() != 0) {
            throw new LabException("the image " + leader + " lacks Bucardo, pgpool-II or PL/Perl (Bucardo needs the "
                    + "leader's major; Debian's sid has none, so on Docker the leader runs " + DOCKER_MAJOR + ")" + build);
        }
    }
}
