package labkit.cluster;

import java.util.function.IntUnaryOperator;

/**
 * The image a lab's nodes run on the docker runtime, and how to get one where none can be pulled.
 *
 * @param repository the repository when PGLAB_IMAGE is not set, tagged by the PostgreSQL major
 * @param major      the major when --pg-version is not given (null: PG_MAJOR from .env)
 * @param besides    the other major the lab runs beside its nodes' one (lab05's newer followers),
 *                   from that one; null when there is none
 * @param build      the script that builds such images here, given the majors
 * @param built      the repository that script makes (what PGLAB_IMAGE must name, if it is another)
 */
public record DockerImage(String repository, String major, IntUnaryOperator besides, String build, String built) {
    /** The official image: where no registry is reachable, the CI test image takes its place (same contract). */
    public static final DockerImage OFFICIAL = new DockerImage("postgres", null, null, "docker/test-image/build.sh",
            "pglab/postgres-test");

    /** The repository to run: PGLAB_IMAGE from the environment, else this one. */
    String chosen() {
        String image = System.getenv("PGLAB_IMAGE");
        return image != null && !image.isBlank() ? image : repository;
    }
}
