//DEPS org.knowm.xchart:xchart:4.0.3
package labkit.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.knowm.xchart.internal.chartpart.Annotation;

/**
 * The events of a chart as vertical lines ("primary killed") and its windows as shaded bands
 * ("RPO 48 ms"), labelled in the plot's top band. XChart's own text annotation is placed in data
 * coordinates, which would put labels on top of the curves and on top of each other; here all
 * labels of a chart are laid out together, when the chart is drawn, with the font's real widths:
 * a label that would overlap one already placed goes one row down.
 */
final class EventMarkers extends Annotation {
    static final Color COLOR = new Color(0x33, 0x33, 0x33);
    private static final float[] DASH = {10f, 6f};
    private static final int PAD = 5;
    /** A window narrower than this on screen (a 40 ms RPO on a 20 s axis) is still drawn this wide. */
    private static final int MIN_WINDOW_PX = 6;

    /** A window of time on the x axis, shaded in {@code color}. */
    record Window(double from, double to, String label, Color color) {}

    /** A label to place: anchored at screen x {@code at}, preferably to its right (events) or left (windows). */
    record Label(int at, String text, boolean preferRight) {}

    /** Where a label went: its left edge and its row (0 = the top row). */
    record Placement(int x, int row) {}

    private final List<Charts.Event> events;
    private final List<Window> windows;
    private final Font font;

    EventMarkers(List<Charts.Event> events, List<Window> windows, Font font) {
        super(false);
        this.events = List.copyOf(events);
        this.windows = List.copyOf(windows);
        this.font = font;
    }

    @Override
    public void paint(Graphics2D g) {
        int left = getXAxisScreenValueForMin();
        int right = getXAxisScreenValueForMax();
        int top = getYAxisScreenValueForMin(); // screen y grows downwards: the plot's min y is its top edge
        int bottom = getYAxisScreenValueForMax();
        var labels = new ArrayList<Label>();
        for (Window w : windows) {
            int from = getXAxisScreenValue(w.from());
            int to = Math.max(getXAxisScreenValue(w.to()), from + MIN_WINDOW_PX);
            g.setColor(new Color(w.color().getRed(), w.color().getGreen(), w.color().getBlue(), 70));
            g.fillRect(from, top, to - from, bottom - top);
            labels.add(new Label(from, w.label(), false));
        }
        g.setColor(COLOR);
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, DASH, 0f));
        for (Charts.Event e : events) {
            int sx = getXAxisScreenValue(e.seconds());
            if (sx >= left && sx <= right) {
                g.drawLine(sx, top, sx, bottom);
                labels.add(new Label(sx, e.label(), true));
            }
        }
        g.setFont(font);
        FontMetrics metrics = g.getFontMetrics();
        var placed = layout(labels, left, right, metrics);
        for (int i = 0; i < labels.size(); i++) {
            String text = labels.get(i).text();
            int tx = placed.get(i).x();
            int ty = top + PAD + metrics.getAscent() + placed.get(i).row() * (metrics.getHeight() + PAD);
            g.setColor(new Color(255, 255, 255, 220));
            g.fillRect(tx - 3, ty - metrics.getAscent() - 2, metrics.stringWidth(text) + 6, metrics.getHeight() + 2);
            g.setColor(COLOR);
            g.drawString(text, tx, ty);
        }
        bounds = new Rectangle2D.Double(left, top, right - left, bottom - top);
    }

    /**
     * Each label on its preferred side of its anchor unless that leaves the plot, in the first
     * row (from the top) where it overlaps no label placed before it; labels are taken in
     * the order of their anchors. Returns one placement per label, in the order given.
     */
    static List<Placement> layout(List<Label> labels, int left, int right, FontMetrics metrics) {
        var order = new ArrayList<Integer>();
        for (int i = 0; i < labels.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingInt(i -> labels.get(i).at()));
        var rows = new ArrayList<List<int[]>>();
        var placements = new Placement[labels.size()];
        for (int i : order) {
            Label label = labels.get(i);
            int width = metrics.stringWidth(label.text());
            int rightSide = label.at() + PAD;
            int leftSide = label.at() - PAD - width;
            boolean fitsRight = rightSide + width + PAD <= right;
            boolean fitsLeft = leftSide >= left;
            int x = label.preferRight() ? (fitsRight || !fitsLeft ? rightSide : leftSide)
                    : (fitsLeft || !fitsRight ? leftSide : rightSide);
            int[] span = {x - 4, x + width + 4}; // the label's white box and a pixel to spare
            int row = 0;
            while (row < rows.size() && rows.get(row).stream().anyMatch(s -> s[0] < span[1] && span[0] < s[1])) {
                row++;
            }
            if (row == rows.size()) {
                rows.add(new ArrayList<>());
            }
            rows.get(row).add(span);
            placements[i] = new Placement(x, row);
        }
        return List.of(placements);
    }
}
