package labkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The labkit's rooms (README, "Layout") are ordered cluster &lt; workload &lt; measure &lt; notebook:
 * a room uses only the rooms below it, so there is no cycle between them and a newcomer can tell
 * from a folder where a change goes. Read from the sources: every {@code import labkit.<room>…}
 * and every qualified {@code labkit.<room>.…} in code (comments and strings do not count).
 */
class ArchitectureTest {
    static final List<String> ROOMS = List.of("cluster", "workload", "measure", "notebook");

    private static final Pattern REFERENCE = Pattern.compile("\\blabkit\\.(\\w+)\\.?([\\w.]*)");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);

    /** One use of another room: the file, what it names, and the two rooms. */
    record Use(String file, String target, String from, String to) {}

    @Test
    void roomsImportOnlyTheRoomsBelowThemAndFormNoCycle() throws IOException {
        var sources = new TreeMap<String, String>();
        try (Stream<Path> files = Files.walk(Path.of("labkit"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                sources.put(f.toString().replace('\\', '/'), Files.readString(f));
            }
        }
        assertTrue(sources.size() > 40, "labkit/ has only " + sources.size() + " files: is the test running from the repository root?");
        var found = violations(sources);
        assertTrue(found.isEmpty(), String.join("\n", found));
    }

    @Test
    void anUpwardImportAndTheCycleItMakesAreNamed() {
        var sources = Map.of(
                "labkit/cluster/Cluster.java", "package labkit.cluster;\nimport labkit.notebook.Lab;\nclass Cluster {}",
                "labkit/notebook/Lab.java", "package labkit.notebook;\nimport labkit.cluster.Cluster;\n"
                        + "// labkit.workload.Comment is not code\nclass Lab { String s = \"labkit.measure.InAString\"; }",
                "labkit/measure/LagSampler.java", "package labkit.measure;\nclass LagSampler { labkit.notebook.Lab lab; }");
        var found = violations(sources);
        assertEquals(List.of(
                "labkit/cluster/Cluster.java imports labkit.notebook.Lab: the cluster room may use no other room",
                "labkit/measure/LagSampler.java imports labkit.notebook.Lab: the measure room may use only the rooms below it,"
                        + " cluster, workload",
                "cycle between rooms: cluster -> notebook -> cluster (labkit/cluster/Cluster.java imports labkit.notebook.Lab;"
                        + " labkit/notebook/Lab.java imports labkit.cluster.Cluster)"), found);
    }

    @Test
    void aFileOutsideTheRoomsOrInTheWrongPackageIsNamed() {
        var found = violations(Map.of(
                "labkit/Flat.java", "package labkit;\nclass Flat {}",
                "labkit/cluster/Moved.java", "package labkit.workload;\nclass Moved {}"));
        assertEquals(List.of(
                "labkit/Flat.java is not in a room: put it in one of labkit/" + ROOMS,
                "labkit/cluster/Moved.java declares package labkit.workload, but its folder is labkit/cluster"), found);
    }

    /** What breaks the rule, one line each naming the file and the import; empty when all is well. */
    static List<String> violations(Map<String, String> sources) {
        var problems = new ArrayList<String>();
        var uses = new ArrayList<Use>();
        for (var source : new TreeMap<>(sources).entrySet()) {
            String file = source.getKey();
            String[] parts = file.split("/");
            if (parts.length != 3 || !ROOMS.contains(parts[1])) {
                problems.add(file + " is not in a room: put it in one of labkit/" + ROOMS);
                continue;
            }
            String room = parts[1];
            var declared = PACKAGE.matcher(source.getValue());
            String pkg = declared.find() ? declared.group(1) : "none";
            if (!pkg.equals("labkit." + room)) {
                problems.add(file + " declares package " + pkg
                        + ", but its folder is labkit/" + room);
            }
            var code = PACKAGE.matcher(codeOnly(source.getValue())).replaceFirst("");
            var references = REFERENCE.matcher(code);
            var seen = new LinkedHashSet<String>();
            while (references.find()) {
                String target = "labkit." + references.group(1) + (references.group(2).isEmpty() ? "" : "." + references.group(2));
                if (!references.group(1).equals(room) && seen.add(target)) {
                    uses.add(new Use(file, target, room, references.group(1)));
                }
            }
        }
        for (Use use : uses) {
            int to = ROOMS.indexOf(use.to());
            int from = ROOMS.indexOf(use.from());
            if (to < 0 || to > from) {
                problems.add(use.file() + " imports " + use.target() + ": the " + use.from() + " room may use "
                        + (from == 0 ? "no other room" : "only the rooms below it, " + String.join(", ", ROOMS.subList(0, from))));
            }
        }
        problems.addAll(cycles(uses));
        return problems;
    }

    /** Each cycle of the room graph once, from its lowest room, with the uses that make its edges. */
    private static List<String> cycles(List<Use> uses) {
        var edges = new TreeMap<String, Map<String, Use>>();
        for (Use use : uses) {
            edges.computeIfAbsent(use.from(), k -> new TreeMap<>()).putIfAbsent(use.to(), use);
        }
        var found = new ArrayList<String>();
        var reported = new LinkedHashSet<Set<String>>();
        for (String start : edges.keySet()) {
            walk(start, new ArrayList<>(List.of(start)), edges, found, reported);
        }
        return found;
    }

    private static void walk(String start, List<String> path, Map<String, Map<String, Use>> edges, List<String> found,
                             Set<Set<String>> reported) {
        String last = path.getLast();
        for (String next : edges.getOrDefault(last, Map.of()).keySet()) {
            if (next.equals(start)) {
                if (reported.add(Set.copyOf(path))) {
                    var through = new ArrayList<String>();
                    for (int i = 0; i < path.size(); i++) {
                        Use use = edges.get(path.get(i)).get(i + 1 < path.size() ? path.get(i + 1) : start);
                        through.add(use.file() + " imports " + use.target());
                    }
                    found.add("cycle between rooms: " + String.join(" -> ", path) + " -> " + start
                            + " (" + String.join("; ", through) + ")");
                }
            } else if (!path.contains(next)) {
                path.add(next);
                walk(start, path, edges, found, reported);
                path.removeLast();
            }
        }
    }

    /** The source without comments, string and character literals (text blocks included). */
    static String codeOnly(String source) {
        var code = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            if (source.startsWith("//", i)) {
                i = source.indexOf('\n', i) < 0 ? source.length() : source.indexOf('\n', i);
            } else if (source.startsWith("/*", i)) {
                i = source.indexOf("*/", i + 2) < 0 ? source.length() : source.indexOf("*/", i + 2) + 2;
                code.append(' ');
            } else if (source.startsWith("\"\"\"", i)) {
                i = source.indexOf("\"\"\"", i + 3) < 0 ? source.length() : source.indexOf("\"\"\"", i + 3) + 3;
                code.append("\"\"");
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                char quote = source.charAt(i++);
                while (i < source.length() && source.charAt(i) != quote && source.charAt(i) != '\n') {
                    i += source.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
                code.append(quote).append(quote);
            } else {
                code.append(source.charAt(i++));
            }
        }
        return code.toString();
    }

    @Test
    void commentsAndStringsAreNotCode() {
        String code = codeOnly("/* labkit.a.B */ String s = \"http://x \\\" labkit.c.D\"; // labkit.e.F\n"
                + "char c = '\"'; String t = \"\"\"\n labkit.g.H \"\"\"; labkit.i.J j;");
        assertEquals("  String s = \"\"; \nchar c = ''; String t = \"\"; labkit.i.J j;", code);
    }
}
