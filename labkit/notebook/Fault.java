package labkit.notebook;

import java.util.List;
import labkit.cluster.Cluster;
import labkit.cluster.Link;
import labkit.cluster.Node;
import labkit.notebook.Charts.Event;

/** How the primary fails in Modules 2 and 3: its zone (process and network at once), or only its process. */
public enum Fault {
    /** The process is killed and the link cut at the same moment: WAL still on its way never arrives. */
    zone,
    /** Only the process is killed (docker kill): its machine's kernel still delivers what was sent. */
    process;

    /**
     * Strikes {@code primary} (and cuts {@code link} for a zone failure), showing the command and
     * marking the event on the charts; returns when it struck, in ns on the lab clock, so that the
     * audit can tell writes sent before it from writes sent after.
     */
    public long strike(Lab lab, Cluster cluster, Node primary, Link link, List<Event> events) {
        lab.command(cluster.runtime().equals("docker") ? "docker compose kill " + primary.name() : "kill -9 <postmaster pid>");
        long at = System.nanoTime() - lab.startNanos();
        events.add(new Event(at / 1e9, "primary killed"));
        if (this == zone) {
            link.cut();
        }
        primary.kill();
        lab.eventAt(at / 1e9, "Killed node \"" + primary.name() + "\" (" + this + " failure)");
        return at;
    }
}
