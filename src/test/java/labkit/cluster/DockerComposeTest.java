package labkit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import labkit.cluster.DockerCompose.Flavour;
import org.junit.jupiter.api.Test;

/** PGLAB_COMPOSE: which compose CLI the kit tries, and in what order. */
class DockerComposeTest {
    @Test
    void unsetTriesV2ThenV1() {
        assertEquals(List.of(Flavour.V2, Flavour.V1), Flavour.chosen(null));
        assertEquals(List.of(Flavour.V2, Flavour.V1), Flavour.chosen(" "));
        assertEquals(List.of("docker", "compose"), Flavour.V2.cli);
        assertEquals(List.of("docker-compose"), Flavour.V1.cli);
    }

    @Test
    void v1OrV2TakesOnlyThatOne() {
        assertEquals(List.of(Flavour.V1), Flavour.chosen("v1"));
        assertEquals(List.of(Flavour.V2), Flavour.chosen("v2"));
    }

    @Test
    void anythingElseIsOneClearError() {
        var e = assertThrows(LabException.class, () -> Flavour.chosen("docker-compose"));
        assertTrue(e.getMessage().contains("PGLAB_COMPOSE must be v2") && e.getMessage().contains("docker-compose"),
                e.getMessage());
    }
}
