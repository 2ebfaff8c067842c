package labkit.notebook;

import java.time.Duration;

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

    /** Refuses a length of time {@code value} of {@code option} outside {@code min} to {@code max}. */
    static void requireBetween(String option, Duration value, Duration min, Duration max) {
        require(value.compareTo(min) >= 0 && value.compareTo(max) <= 0, option, DurationConverter.text(value),
                DurationConverter.text(min) + " to " + DurationConverter.text(max));
    }

    /** Refuses {@code value} of {@code option} unless {@code ok}, saying what it {@code mustBe}. */
    static void require(boolean ok, String option, Object value, String mustBe) {
        if (!ok) {
            // as typed: 5, not 5.0; 0.0001, not 1.0E-4
            String shown = value instanceof Double d && Double.isFinite(d)
                    ? java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString() : String.valueOf(value);
            throw new BadOption(option + " " + shown + ": must be " + mustBe);
        }
    }
}
