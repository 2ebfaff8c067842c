package labkit.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A tool a test needs (Bucardo, pgpool-II, Patroni, etcd, a Docker engine or image, …). On a
 * developer's machine a missing one skips the test with the reason, and ./run-tests lists it. In CI
 * (CI=true) .ci/run installs every such tool, so a missing one is a broken install step: the test
 * fails, naming the tool.
 */
public final class Required {
    private Required() {}

    public static boolean inCi() {
        return "true".equals(System.getenv("CI"));
    }

    /** Goes on when {@code present}; else skips with {@code reason}, or in CI fails with it. */
    public static void tool(boolean present, String reason) {
        if (present) {
            return;
        }
        if (inCi()) {
            fail(reason + ": CI installs it (.ci/run), so its absence is a broken install step");
        }
        assumeTrue(false, reason);
    }
}
