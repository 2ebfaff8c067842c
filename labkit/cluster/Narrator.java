package labkit.cluster;

/**
 * Where the kit says what is happening, so that the console reads like lab notes. The lab's
 * notebook implements it; the cluster and the loaders below it print through it, and so never
 * depend on the notebook.
 */
public interface Narrator {

    /** A state change of the cluster, printed the way PostgreSQL's TAP tests print them ({@code ### …}). */
    void event(String text);

    /** A result or a fact worth a line of its own. */
    void result(String text);

    /** What a student could type to do the same by hand (the notebook shows it as a command). */
    default void command(String text) {
        result("$ " + text);
    }

    /** A progress line for work whose total is unknown (a base backup, a download). */
    void progress(String text);

    /** --keep: the nodes left up, as they are when the lab exits (the notebook puts them in summary.json). */
    default void kept(java.util.List<KeptNode> nodes) {}
}
