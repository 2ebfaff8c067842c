//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.notebook;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A conclusion that is data: its wording is the one for what was measured (the lesson's when the
 * numbers hold, the other when they do not), and summary.json records {claim, held, evidence}.
 *
 * @param claim    what the lesson says, in one sentence
 * @param held     whether this run's numbers show it
 * @param text     what the lab prints: the wording for {@code held}
 * @param evidence the numbers it was judged on
 */
public record Claim(String claim, boolean held, String text, ObjectNode evidence) {
    public static Claim of(String claim, boolean held, ObjectNode evidence, String whenHeld, String otherwise) {
        return new Claim(claim, held, held ? whenHeld : otherwise, evidence);
    }

    public ObjectNode json() {
        var node = JsonNodeFactory.instance.objectNode().put("claim", claim).put("held", held);
        node.set("evidence", evidence);
        return node;
    }
}
