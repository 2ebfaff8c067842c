package labkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.exception.NotFoundException;

/**
 * The PostgreSQL image Docker tests run (no registry in CI, so not the official one):
 * docker/test-image/build.sh makes it. Tests call {@link #assumeReady()} first and are reported
 * as skipped, with the reason, where there is no engine or no image.
 */
final class DockerTestImage {
    /** Repository and tag, as compose.yaml takes them (PGLAB_IMAGE, PG_MAJOR). */
    static final String REPOSITORY = "pglab/postgres-test";
    static final String MAJOR = "15";

    private DockerTestImage() {}

    static void assumeReady() {
        assumeTrue(DockerRuntime.available(), "no Docker engine answers (start dockerd to run the Docker tests)");
        try (var engine = DockerEngine.connect()) {
            engine.client().inspectImageCmd(REPOSITORY + ":" + MAJOR).exec();
        } catch (NotFoundException e) {
            assumeTrue(false, "no image " + REPOSITORY + ":" + MAJOR + ": build it with docker/test-image/build.sh");
        }
    }
}
