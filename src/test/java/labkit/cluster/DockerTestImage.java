package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The PostgreSQL image Docker tests run (no registry in CI, so not the official one):
 * docker/test-image/build.sh makes it. Tests call {@link #assumeReady()} first: where there is
 * no engine or no image they are reported as skipped, with the reason; in CI (CI=true) that is a
 * failure, since .ci/run starts the engine and builds the image.
 */
public final class DockerTestImage {
    /** Repository and tag, as compose.yaml takes them (PGLAB_IMAGE, PG_MAJOR). */
    public static final String REPOSITORY = "pglab/postgres-test";
    public static final String MAJOR = "15";

    private DockerTestImage() {}

    public static void assumeReady() {
        assumeReady(MAJOR);
    }

    /** The engine, and the test image of PostgreSQL {@code major} (e.g. 18 for a lab that needs 16+). */
    public static void assumeReady(String major) {
        require(DockerRuntime.available(), "no Docker engine answers (start dockerd to run the Docker tests)");
        try (var engine = DockerEngine.connect()) {
            require(engine.hasImage(REPOSITORY + ":" + major),
                    "no image " + REPOSITORY + ":" + major + " (build it with docker/test-image/build.sh)");
        }
    }

    private static void require(boolean ready, String reason) {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(ready, reason + ": CI must run the Docker tests");
        } else {
            assumeTrue(ready, reason);
        }
    }

    /** No container, volume or network of the compose project is left. */
    public static void assertNothingLeft(String project) throws Exception {
        String label = "label=com.docker.compose.project=" + project;
        for (var what : List.of(List.of("ps", "-a"), List.of("volume", "ls"), List.of("network", "ls"))) {
            var cmd = new ArrayList<>(List.of("docker"));
            cmd.addAll(what);
            cmd.addAll(List.of("-q", "--filter", label));
            String left = Processes.run(cmd, Map.of(), Duration.ofSeconds(30)).strip();
            assertTrue(left.isEmpty(), String.join(" ", what) + " of " + project + " left: " + left);
        }
    }
}
