package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterOptionsTest {
    static final ClusterOptions ANY = new ClusterOptions("lab06", "local", null, false, Optional.empty(), null, Path.of("logs"));

    @Test
    void aMajorNewEnoughIsKept() {
        assertEquals(15, ANY.majorFor(15), "no minimum");
        assertEquals(17, ANY.withMinimumMajor(16).majorFor(17));
        assertEquals(16, ANY.withMinimumMajor(16).majorFor(16));
    }

    @Test
    void anOlderMajorGivesWayToPgMajorOrTheMinimumIfNewer() {
        int pgMajor = Integer.parseInt(Env.get().pgMajor());
        assertEquals(Math.max(16, pgMajor), ANY.withMinimumMajor(16).majorFor(15));
        assertEquals(Math.max(pgMajor + 1, pgMajor), ANY.withMinimumMajor(pgMajor + 1).majorFor(15));
    }

    @Test
    void aPartOfTheLabHasItsOwnProjectPortsAndLogs() {
        var part = ANY.withMinimumMajor(16).part("leaders", 15435);
        assertEquals("lab06-leaders", part.name());
        assertEquals(15435, part.port());
        assertEquals(Path.of("logs", "leaders"), part.logDir());
        assertEquals(16, part.minimumMajor());
    }
}
