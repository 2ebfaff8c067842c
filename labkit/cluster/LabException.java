package labkit.cluster;

/**
 * A failure the user can act on. Its message is the one line the lab prints: what happened
 * and what to do. Anything else that escapes a lab is a bug and shows its trace with --verbose.
 */
public class LabException extends RuntimeException {
    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
