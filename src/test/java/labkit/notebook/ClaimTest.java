package labkit.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;

class ClaimTest {
    @Test
    void numbersThatContradictTheClaimGetTheOtherWordingAndHeldFalse() {
        var evidence = JsonNodeFactory.instance.objectNode().put("lostAcked", 3);
        var claim = Claim.of("no acknowledged write is lost", false, evidence, "Nothing is lost.", "3 writes are lost.");
        assertEquals("3 writes are lost.", claim.text());
        assertFalse(claim.json().path("held").asBoolean(true));
        assertEquals("no acknowledged write is lost", claim.json().path("claim").asText());
        assertEquals(3, claim.json().path("evidence").path("lostAcked").asInt());
    }
}
