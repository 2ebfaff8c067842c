package labkit.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import labkit.notebook.DurationConverter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class WorkloadTest {
    @Test
    void durationsReadTheWayPeopleTypeThem() {
        var c = new DurationConverter();
        assertEquals(Duration.ofMillis(250), c.convert("250ms"));
        assertEquals(Duration.ofSeconds(10), c.convert("10s"));
        assertEquals(Duration.ofMinutes(2), c.convert("2m"));
        assertEquals(Duration.ofHours(1), c.convert("1h"));
        assertThrows(TypeConversionException.class, () -> c.convert("ten seconds"));
        assertThrows(TypeConversionException.class, () -> c.convert("-5s"));
    }

    @Test
    void durationsAreShownInTheLargestWholeUnit() {
        assertEquals("1h", DurationConverter.text(Duration.ofHours(1)));
        assertEquals("90m", DurationConverter.text(Duration.ofMinutes(90)));
        assertEquals("90s", DurationConverter.text(Duration.ofSeconds(90)));
        assertEquals("250ms", DurationConverter.text(Duration.ofMillis(250)));
        assertEquals("0ms", DurationConverter.text(Duration.ZERO));
    }
}
