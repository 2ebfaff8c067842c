package labkit.notebook;

/**
 * Options that can tell, before anything starts, whether their values make sense: {@link Lab#execute}
 * calls {@link #check} on the lab's command and each of its mixins once they are parsed, so that a
 * bad value is one line and exit 2, with no server started and nothing written.
 */
public interface Checked {
    /** Throws {@link BadOption} with one line: what is wrong, and what would do. */
    void check();

    /** A value the lab cannot run with. */
    final class BadOption extends RuntimeException {
        public BadOption(String message) {
            super(message);
        }
    }

    /** Refuses {@code value} of {@code option} unless {@code ok}, saying what it {@code mustBe}. */
    static void require(boolean ok, String option, Object value, String mustBe) {
        if (!ok) {
            boolean whole = value instanceof Double d && d == Math.rint(d) && !d.isInfinite();
            throw new BadOption(option + " " + (whole ? String.valueOf(((Double) value).longValue()) : value)
                    + ": must be " + mustBe);
        }
    }
}
