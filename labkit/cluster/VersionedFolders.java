package labkit.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Folders named after versions ({@code /usr/lib/postgresql/17}, a cached {@code …-18.3.0}), newest first. */
final class VersionedFolders {
    private VersionedFolders() {}

    /**
     * {@code parent/<prefix><version>/<child>} folders, the highest version first. Names with
     * anything else after the prefix (a half-extracted *.part folder, "postgresql@17.bak") are skipped.
     */
    static List<Path> newestFirst(Path parent, String prefix, String child) {
        record Candidate(Path dir, String key) {}
        return names(parent).stream()
                .filter(name -> name.startsWith(prefix) && name.substring(prefix.length()).matches("\\d+(\\.\\d+)*(-\\d+)?"))
                .map(name -> new Candidate(parent.resolve(name).resolve(child), versionKey(name.substring(prefix.length()))))
                .sorted(Comparator.comparing(Candidate::key).reversed())
                .map(Candidate::dir)
                .toList();
    }

    /** "18.10.0-1" → comparable "00018.00010.00000.00001": numeric parts compared as numbers. */
    static String versionKey(String version) {
        var key = new StringBuilder();
        for (String part : version.split("[.-]")) {
            key.append(String.format("%05d.", part.matches("\\d{1,5}") ? Integer.parseInt(part) : 0));
        }
        return key.toString();
    }

    /** The names in {@code dir}; none when it is missing or unreadable. */
    static List<String> names(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
