package io.bitmirror.tools.run;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import sun.misc.Signal;

/**
 * Waits for SIGINT or SIGTERM. The default handlers would exit with 130/143 from a shutdown
 * hook; bitmirror instead stops the array in order and exits 0, as a daemon that was asked to
 * stop should.
 */
final class Signals {
    private final CountDownLatch latch = new CountDownLatch(1);
    private final AtomicReference<String> which = new AtomicReference<>();

    Signals() {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), s -> {
                which.compareAndSet(null, "SIG" + s.getName());
                latch.countDown();
            });
        }
    }

    /** Blocks until a signal came; returns its name. */
    String await() throws InterruptedException {
        latch.await();
        return which.get();
    }

    /** For tests and callers that want to stop without a signal. */
    void trigger(String why) {
        which.compareAndSet(null, why);
        latch.countDown();
    }
}
