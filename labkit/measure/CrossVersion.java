//DEPS com.fasterxml.jackson.core:jackson-databind:2.20.1
package labkit.measure;

import com.fasterxml.jackson.databind.node.ObjectNode;
import labkit.cluster.LabException;

/**
 * Whether a replication mechanism works from one PostgreSQL version to another, tried for real:
 * summary.json's {@code crossVersion} ({@code from}, {@code to}, {@code works}, {@code error}).
 */
public record CrossVersion(String from, String to, boolean works, String error) {

    /**
     * Runs {@code attempt}; a {@link LabException} out of it is the refusal, recorded as the
     * server's FATAL line when the message quotes one (where to read the log left out), else as it is.
     */
    public static CrossVersion tried(String from, String to, Runnable attempt) {
        try {
            attempt.run();
            return new CrossVersion(from, to, true, null);
        } catch (LabException e) {
            String message = e.getMessage();
            int fatal = message.indexOf("FATAL");
            String error = fatal < 0 ? message : message.substring(fatal).replaceAll(" \\((full log: |see `).*\\)$", "");
            return new CrossVersion(from, to, false, error);
        }
    }

    /** Into {@code mechanism}'s section, as its {@code crossVersion}. */
    public void writeTo(ObjectNode mechanism) {
        mechanism.putObject("crossVersion").put("from", from).put("to", to).put("works", works).put("error", error);
    }

    /** One line for the console: what was tried and what came of it. */
    public String outcome() {
        return from + " → " + to + ": " + (works ? "works" : error);
    }
}
