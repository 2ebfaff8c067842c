package labkit.workload;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pool hands users over without polling: a waiting operation wakes when a user is released or the run is abandoned. */
class ConnectionPoolTest {
    @Test
    void aReleasedUserGoesToTheOperationWaitingForIt() throws Exception {
        var pool = new ConnectionPool(1);
        var slot = pool.take();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<ConnectionPool.Slot> waiting = threads.submit(pool::take);
            Thread.sleep(100);
            assertTrue(!waiting.isDone(), "took a user while none was free");
            pool.release(slot);
            assertSame(slot, waiting.get(1, TimeUnit.SECONDS));
        }
    }

    @Test
    void abandoningWakesEveryWaitingOperationWithNoUser() throws Exception {
        var pool = new ConnectionPool(2);
        assertNotNull(pool.take());
        assertNotNull(pool.take());
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var waiting = new ArrayList<Future<ConnectionPool.Slot>>();
            for (int i = 0; i < 5; i++) {
                waiting.add(threads.submit(pool::take));
            }
            Thread.sleep(100);
            pool.abandon();
            for (var w : waiting) {
                assertNull(w.get(1, TimeUnit.SECONDS), "an operation got a user after the run was abandoned");
            }
            assertNull(CompletableFuture.supplyAsync(pool::take).get(1, TimeUnit.SECONDS));
        }
    }
}
