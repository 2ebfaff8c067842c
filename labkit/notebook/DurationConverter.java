//DEPS info.picocli:picocli:4.7.7
package labkit.notebook;

import java.time.Duration;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations the way people type them on a command line: 250ms, 10s, 2m, 1h. Whether one fits an
 * option is that option's check, which says the range ({@link Checked#requireBetween}).
 */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern FORMAT = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Override
    public Duration convert(String value) {
        var m = FORMAT.matcher(value.strip());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a duration like 250ms, 10s, 2m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** {@code duration} as one would type it: the largest unit that writes it whole (90s, 2m, 250ms, 1h). */
    public static String text(Duration duration) {
        long ms = duration.toMillis();
        if (ms > 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms > 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms > 0 && ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
