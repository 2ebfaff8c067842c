package labkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Students get their dependencies from the //DEPS lines (JBang), the tests from pom.xml (Maven):
 * both must name the same versions, or the tests would test other code than the labs run.
 */
class DepsInSyncTest {
    private static final Pattern DEPS = Pattern.compile("^//DEPS ([\\w.-]+):([\\w.-]+):([\\w.-]+)\\s*$");
    private static final Pattern POM_DEP = Pattern.compile(
            "<groupId>([\\w.-]+)</groupId><artifactId>([\\w.-]+)</artifactId><version>([\\w.-]+)</version>");

    @Test
    void everyDepsLineMatchesThePom() throws IOException {
        Map<String, String> pom = new HashMap<>();
        var m = POM_DEP.matcher(Files.readString(Path.of("pom.xml")).replaceAll("\\s+", ""));
        while (m.find()) {
            pom.put(m.group(1) + ":" + m.group(2), m.group(3));
        }
        List<String> checked = new ArrayList<>();
        try (Stream<Path> files = Stream.of(Files.walk(Path.of("labkit")), Files.list(Path.of(".")), Files.list(Path.of("bench")))
                .flatMap(s -> s).filter(p -> p.toString().endsWith(".java"))) {
            for (Path file : files.toList()) {
                for (String line : Files.readAllLines(file)) {
                    var d = DEPS.matcher(line);
                    if (d.matches()) {
                        String ga = d.group(1) + ":" + d.group(2);
                        assertEquals(d.group(3), pom.get(ga), file + " asks for " + line.substring(7) + "; pom.xml has " + pom.get(ga));
                        checked.add(ga);
                    }
                }
            }
        }
        assertFalse(checked.isEmpty(), "no //DEPS lines found: is the test running from the repository root?");
    }
}
