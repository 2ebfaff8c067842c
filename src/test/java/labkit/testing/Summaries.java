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

    /** The figures each lab's summary.json names the window of ({@code window: {from, to, seconds}}). */
    public static final Map<String, List<String>> FIGURES = Map.of(
            "lab01", List.of("dataset", "baseBackup"),
            "lab02", List.of("writes", "lag", "latency", "failure", "link", "traffic"),
            "lab03", List.of("async.latency", "sync.latency", "sync.writes", "failure", "link"),
            "lab04", List.of("writes", "followerFailure.sync", "followerFailure.sync.latency", "followerFailure.async",
                    "followerFailure.async.latency", "failover"),
            "lab06", List.of("readAfterWrite.none", "readAfterWrite.lsnTokenBeforeCommit", "readAfterWrite.lsnToken",
                    "readAfterWrite.remoteApplyUnnamed", "readAfterWrite.remoteApply", "readAfterWrite.routing",
                    "monotonicReads.none", "monotonicReads.sticky", "monotonicReads.lsnHighWater"));

    /**
     * The figures of {@code lab} ({@link #FIGURES}) whose window is not named: a from and a to
     * event, and a length in seconds (a figure over no time measured nothing).
     */
    public static List<String> unnamedWindows(String lab, JsonNode summary) {
        var found = new ArrayList<String>();
        for (String path : FIGURES.get(lab)) {
            JsonNode figure = summary;
            for (String part : path.split("\\.")) {
                figure = figure.path(part);
            }
            JsonNode w = figure.path("window");
            if (w.path("from").asText().isBlank() || w.path("to").asText().isBlank() || !(w.path("seconds").asDouble() > 0)) {
                found.add(path + ".window = " + w);
            }
        }
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
