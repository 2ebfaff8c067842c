package labkit.measure;

import static labkit.testing.Writes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import labkit.workload.Ledger;
import labkit.workload.Ledger.Outcome;
import labkit.workload.Ledger.Write;
import org.junit.jupiter.api.Test;

class WindowTest {
    private final Window untilFault = new Window("workload start", 1.0, "fault", 3.0);

    /** The writes of a paused run: acknowledged ones keep coming after the fault's window closed. */
    @Test
    void countsOnlyTheAcknowledgedWritesThatArrivedInside() {
        var ledger = new Ledger();
        ledger.record(write("before-start", 900, Outcome.OK)); // intended at 0.898 s
        ledger.record(write("first", 1002, Outcome.OK));       // intended at 1.000 s: inside
        ledger.record(write("failed", 2000, Outcome.FAILED));
        ledger.record(write("last", 3001, Outcome.OK));        // intended at 2.999 s: inside
        ledger.record(write("during-pause", 9000, Outcome.OK));
        assertEquals(List.of("first", "last"), untilFault.acked(ledger).stream().map(Write::key).toList());
    }

    @Test
    void namesItsEventsAndLengthForTheSummary() {
        assertEquals("{\"from\":\"workload start\",\"to\":\"fault\",\"seconds\":2.0}", untilFault.json().toString());
        assertEquals(2.5, Window.lasting("backup start", "backup end", 2.5).seconds());
    }
}
