//DEPS org.knowm.xchart:xchart:4.0.3
package labkit.notebook;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import org.knowm.xchart.internal.chartpart.Annotation;

/**
 * A vertical event line with its label at the top of the plot ("primary killed"). XChart's own
 * text annotation is placed in data coordinates, which would put labels on top of the curves;
 * this one is placed in screen space, so the label always sits in the plot's top band, one row
 * per marker that would otherwise overlap its neighbour.
 */
final class ChartMarker extends Annotation {
    static final Color COLOR = new Color(0x33, 0x33, 0x33);
    private static final float[] DASH = {10f, 6f};

    private final double x;
    private final String label;
    private final int row;
    private final Font font;

    ChartMarker(double x, String label, int row, Font font) {
        super(false);
        this.x = x;
        this.label = label;
        this.row = row;
        this.font = font;
    }

    @Override
    public void paint(Graphics2D g) {
        int left = getXAxisScreenValueForMin();
        int right = getXAxisScreenValueForMax();
        int top = getYAxisScreenValueForMin(); // screen y grows downwards: the plot's min y is its top edge
        int bottom = getYAxisScreenValueForMax();
        int sx = getXAxisScreenValue(x);
        if (sx < left || sx > right) {
            return;
        }
        g.setColor(COLOR);
        g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, DASH, 0f));
        g.drawLine(sx, top, sx, bottom);

        g.setFont(font);
        var metrics = g.getFontMetrics();
        int width = metrics.stringWidth(label);
        int pad = 5;
        // right of the line, unless that would leave the plot
        int tx = sx + pad + width + pad <= right ? sx + pad : sx - pad - width;
        int ty = top + pad + metrics.getAscent() + row * (metrics.getHeight() + pad);
        g.setColor(new Color(255, 255, 255, 220));
        g.fillRect(tx - 3, ty - metrics.getAscent() - 2, width + 6, metrics.getHeight() + 2);
        g.setColor(COLOR);
        g.drawString(label, tx, ty);
        bounds = new Rectangle2D.Double(tx, ty - metrics.getAscent(), width, metrics.getHeight());
    }
}
