package labkit.measure;

import java.time.Duration;
import labkit.cluster.LabException;

/**
 * What the kit's background measurements share: a virtual thread that samples until closed,
 * and an error of the kit itself (a query that fails on a node that answers, not a node that is
 * down) kept and thrown to the lab the next time it looks, or when it closes the sampler.
 */
abstract class Sampler implements AutoCloseable {
    private volatile boolean running = true;
    private volatile LabException failure;
    private Thread thread;

    /** Runs {@link #loop} in a virtual thread named {@code name}; the subclass calls it last in its constructor. */
    protected final void start(String name) {
        thread = Thread.ofVirtual().name(name).start(this::loop);
    }

    /** Samples while {@link #running}. */
    protected abstract void loop();

    /** False once closed or failed. */
    protected final boolean running() {
        return running && failure == null;
    }

    /** Stops sampling on an error of the kit, to be thrown at the lab. */
    protected final void fail(LabException e) {
        failure = e;
    }

    /** Throws the error sampling stopped on, if it did. */
    protected final void rethrow() {
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        rethrow();
    }
}
