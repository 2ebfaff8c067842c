package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.testing.Required;

/**
 * A PostgreSQL image the Docker tests run (no registry in CI, so not the official one):
 * docker/test-image/build.sh makes them, tagged by major. {@link #CURRENT} is the major students
 * get from the official image; {@link #OLD} the oldest major the kit keeps a Docker test on.
 * Tests call {@link #assumeReady()} first: where there is no engine or no image they are reported
 * as skipped, with the reason; in CI (CI=true) that is a failure, since .ci/run starts the engine
 * and builds the images.
 *
 * @param repository what compose.yaml takes as PGLAB_IMAGE
 * @param major      the tag, what compose.yaml takes as PG_MAJOR (and a lab as --pg-version)
 */
public record DockerTestImage(String repository, String major) {
    public static final DockerTestImage CURRENT = fromEnvironment("PGLAB_TEST_IMAGE", "pglab/postgres-test:18");
    public static final DockerTestImage OLD = fromEnvironment("PGLAB_TEST_IMAGE_OLD", "pglab/postgres-test:15");
    /** lab05's images (docker/mechanisms-image/build.sh): the leader's major and the newer one. */
    public static final DockerTestImage MECHANISMS = fromEnvironment("PGLAB_TEST_MECHANISMS_IMAGE", "pglab/mechanisms:17");
    public static final DockerTestImage MECHANISMS_NEWER =
            fromEnvironment("PGLAB_TEST_MECHANISMS_IMAGE_NEWER", "pglab/mechanisms:18");

    /** An image named repository:major, from an environment variable or the default. */
    static DockerTestImage fromEnvironment(String variable, String fallback) {
        String name = System.getenv(variable);
        if (name == null || name.isBlank()) {
            name = fallback;
        }
        int colon = name.lastIndexOf(':');
        if (colon < name.lastIndexOf('/') + 1 || !name.substring(colon + 1).matches("\\d+")) {
            throw new IllegalArgumentException(variable + " must be repository:major, e.g. " + fallback
                    + " (got " + name + ")");
        }
        return new DockerTestImage(name.substring(0, colon), name.substring(colon + 1));
    }

    public String name() { return repository + ":" + major; }

    @Override public String toString() { return name(); }

    public void assumeReady() {
        assumeEngine();
        try (var engine = DockerEngine.connect()) {
            require(engine.hasImage(name()), "no image " + name() + " (build it with docker/"
                    + (repository.endsWith("/mechanisms") ? "mechanisms-image" : "test-image") + "/build.sh " + major + ")");
        }
    }

    /** A Docker engine answers (skipped, with the reason, where none does; in CI a failure). */
    public static void assumeEngine() {
        require(DockerRuntime.available(), "no Docker engine answers (start dockerd to run the Docker tests)");
    }

    /** The compose CLI that PGLAB_COMPOSE={@code setting} (v2, v1) takes runs: CI installs v2 and keeps v1.29. */
    public static void assumeCompose(String setting) {
        boolean runs;
        try {
            DockerCompose.find(Env.get().root(), "pglab-probe", DockerCompose.Flavour.chosen(setting));
            runs = true;
        } catch (LabException e) {
            runs = false;
        }
        require(runs, "PGLAB_COMPOSE=" + setting + ": that compose CLI does not run (v2: tools/install-compose-v2.sh; "
                + "v1: apt-get install docker-compose)");
    }

    private static void require(boolean ready, String reason) {
        Required.tool(ready, reason);
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
