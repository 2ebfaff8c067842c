package labkit.notebook;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The lab's console, which a Ctrl+C closes to every thread but the teardown's: after
 * "### Tearing down the cluster" nothing the lab's threads still print may appear. Whole lines
 * stay whole: the lab's PrintStream holds its lock while a line passes, and is locked to close this.
 */
final class Gate extends FilterOutputStream {
    private volatile Thread onlyFrom;

    Gate(OutputStream out) {
        super(out);
    }

    /** From now on only {@code thread} gets through. */
    void onlyFrom(Thread thread) {
        onlyFrom = thread;
    }

    private boolean open() {
        Thread only = onlyFrom;
        return only == null || only == Thread.currentThread();
    }

    @Override
    public void write(int b) throws IOException {
        if (open()) {
            out.write(b);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (open()) {
            out.write(b, off, len);
        }
    }

    @Override
    public void flush() throws IOException {
        if (open()) {
            out.flush();
        }
    }
}
