package labkit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The PostgreSQL image Docker tests run (no registry in CI, so not the official one):
 * docker/test-image/build.sh makes it. Tests call {@link #assumeReady()} first: where there is
 * no engine or no image they are reported as skipped, with the reason; in CI (CI=true) that is a
 * failure, since .ci/run starts the engine and builds the image.
 */
final class DockerTestImage {
    /** Repository and tag, as compose.yaml takes them (PGLAB_IMAGE, PG_MAJOR). */
    static final String REPOSITORY = "pglab/postgres-test";
    static final String MAJOR = "15";

    private DockerTestImage() {}

    static void assumeReady() {
        require(DockerRuntime.available(), "no Docker engine answers (start dockerd to run the Docker tests)");
        try (var engine = DockerEngine.connect()) {
            require(engine.hasImage(REPOSITORY + ":" + MAJOR),
                    "no image " + REPOSITORY + ":" + MAJOR + " (build it with docker/test-image/build.sh)");
        }
    }

    private static void require(boolean ready, String reason) {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(ready, reason + ": CI must run the Docker tests");
        } else {
            assumeTrue(ready, reason);
        }
    }
}
