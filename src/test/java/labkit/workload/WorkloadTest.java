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
        assertThrows(TypeConversionException.class, () -> c.convert("ten seconds"));
        assertThrows(TypeConversionException.class, () -> c.convert("-5s"));
    }
}
