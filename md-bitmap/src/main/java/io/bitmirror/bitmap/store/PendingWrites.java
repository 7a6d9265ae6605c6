package io.bitmirror.bitmap.store;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Counter of bitmap page writes in flight: each write increments it, each completion decrements
 * it, and one waiter (the flusher) parks until it reaches zero. A failed write sets a sticky
 * error flag instead of being lost; the waiter sees it once everything has completed.
 *
 * <p>Allocation free: one atomic, one flag, one parked thread.
 */
public final class PendingWrites {
    private final AtomicLong inFlight = new AtomicLong();
    private volatile boolean failed;
    private volatile Thread waiter;

    /** Counts a write about to be issued. */
    public void begin() {
        inFlight.incrementAndGet();
    }

    /** Counts a completed write; {@code ok == false} sets the write-error flag. */
    public void end(boolean ok) {
        if (!ok) {
            // The flag must be visible before the count can reach zero, so a waiter that sees
            // zero also sees the failure.
            failed = true;
        }
        long left = inFlight.decrementAndGet();
        if (left < 0) {
            throw new IllegalStateException("pending bitmap writes went negative: end() without begin()");
        }
        if (left == 0) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    /** Writes not yet completed. */
    public long inFlight() {
        return inFlight.get();
    }

    /** True once any write failed; stays true until {@link #clearError()}. */
    public boolean failed() {
        return failed;
    }

    public void clearError() {
        failed = false;
    }

    /**
     * Parks until no write is in flight or {@code timeoutNanos} passed.
     *
     * @return true when the counter reached zero and no write failed
     * @throws IllegalStateException on timeout (a store that never completes is a bug)
     */
    public boolean awaitZero(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        waiter = Thread.currentThread();
        try {
            while (inFlight.get() != 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("bitmap page writes still pending after "
                            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms: " + inFlight.get());
                }
                LockSupport.parkNanos(this, left);
            }
        } finally {
            waiter = null;
        }
        return !failed;
    }
}
