//DEPS org.knowm.xchart:xchart:4.0.3
package labkit.notebook;

import com.fasterxml.jackson.databind.node.ArrayNode;
import org.knowm.xchart.XYChart;

/** A run's charts: each saved as a PNG in out/&lt;lab&gt;/ and listed in summary.json's "plots". */
public final class Plots {
    private final Lab lab;
    private final ArrayNode files;

    public Plots(Lab lab) {
        this.lab = lab;
        this.files = lab.summary().putArray("plots");
    }

    public Plots save(String file, XYChart chart) {
        Charts.save(chart, lab.out().resolve(file));
        files.add(file);
        return this;
    }
}
