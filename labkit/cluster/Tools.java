package labkit.cluster;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Programs a lab needs besides PostgreSQL, found on PATH, with the Debian package that brings each. */
public final class Tools {
    private Tools() {}

    /** The path of {@code program}; a one-line error when it is not installed. */
    public static Path require(String program) {
        return OsUser.which(program).orElseThrow(() -> new LabException(program + " is not installed (not on PATH)"));
    }

    /**
     * Checks every program at once, before anything starts, so that the error names all that is
     * missing in one line: {@code programs} maps each program to its Debian package.
     */
    public static void requireAll(String purpose, Map<String, String> programs, String alternative) {
        var missing = new LinkedHashMap<String, String>();
        programs.forEach((program, pkg) -> {
            if (OsUser.which(program).isEmpty()) {
                missing.put(program, pkg);
            }
        });
        if (!missing.isEmpty()) {
            List<String> packages = missing.values().stream().distinct().toList();
            throw new LabException(purpose + " needs " + String.join(", ", missing.keySet()) + ", not found on PATH "
                    + "(Debian: apt-get install " + String.join(" ", packages) + ")"
                    + (alternative == null ? "" : "; or " + alternative));
        }
    }
}
