//DEPS org.knowm.xchart:xchart:4.0.3
package labkit.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import labkit.notebook.Charts.Event;
import labkit.notebook.Charts.Series;
import labkit.workload.Ledger;
import org.knowm.xchart.XYChart;

/**
 * A chart of one part of a run: writes per second (by completion) in a window of the lab clock,
 * one line per kind of write (by node, acknowledged or not), with the events of that window.
 */
public final class WritesPerSecond {
    private final Ledger ledger;
    private final int first;
    private final int seconds;
    private final List<Series> series = new ArrayList<>();

    private WritesPerSecond(Ledger ledger, double fromSeconds, double toSeconds) {
        this.ledger = ledger;
        this.first = (int) Math.floor(fromSeconds);
        this.seconds = Math.max(1, (int) Math.ceil(toSeconds) - first);
    }

    public static WritesPerSecond between(Ledger ledger, double fromSeconds, double toSeconds) {
        return new WritesPerSecond(ledger, fromSeconds, toSeconds);
    }

    /** A line of the writes that match. */
    public WritesPerSecond line(String name, Predicate<Ledger.Write> matching) {
        double[] x = new double[seconds];
        double[] y = new double[seconds];
        for (int i = 0; i < seconds; i++) {
            x[i] = first + i;
        }
        ledger.writes().stream().filter(matching).mapToInt(w -> (int) (w.doneNanos() / 1_000_000_000L) - first)
                .filter(i -> i >= 0 && i < seconds).forEach(i -> y[i]++);
        series.add(new Series(name, x, y));
        return this;
    }

    public XYChart chart(String title, List<Event> events) {
        var inside = events.stream().filter(e -> e.seconds() >= first && e.seconds() <= first + seconds).toList();
        return Charts.timeSeries(title, "writes / s", series, inside);
    }
}
