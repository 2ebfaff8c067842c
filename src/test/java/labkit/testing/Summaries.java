package labkit.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks that hold for every lab's summary.json, whatever the lab measured. */
public final class Summaries {
    private Summaries() {}

    /** Fields that are 0 when that is what happened: an empty RPO window has no length. */
    private static final Set<String> ZERO_IS_MEASURED = Set.of("rpoMs");

    /**
     * Every time (…Ms, p50, p90) and byte count (…Bytes) is either a positive number or null: a
     * 0 there would be a measurement that was not taken, shown as if it had been.
     */
    public static List<String> zerosThatMeanNotMeasured(JsonNode summary) {
        var found = new ArrayList<String>();
        walk("", summary, found);
        return found;
    }

    private static void walk(String path, JsonNode node, List<String> found) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String name = field.getKey();
                JsonNode value = field.getValue();
                boolean measure = name.endsWith("Ms") || name.endsWith("Bytes") || name.matches("p\\d+");
                if (measure && value.isNumber() && value.asDouble() == 0 && !ZERO_IS_MEASURED.contains(name)) {
                    found.add(path + name + " = 0");
                }
                walk(path + name + ".", value, found);
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                walk(path, element, found);
            }
        }
    }
}
