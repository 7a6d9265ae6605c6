package io.bitmirror.faults.faulty;

import java.util.concurrent.locks.LockSupport;

/**
 * Waits that really last. A bare {@code LockSupport.parkNanos} returns at once when the thread
 * holds an unpark permit, and the engine leaves such permits behind (a writer released from an
 * epoch wait, the flusher woken by a request while busy): a flush "latency" or a workload
 * "pause" then silently shrinks to nothing, and the recorded interleaving is not the one the
 * workload asked for.
 */
public final class Sleep {
    private Sleep() {
    }

    /** Parks until {@code millis} have passed (or the thread is interrupted, flag kept). */
    public static void atLeastMillis(long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        for (long left = end - System.nanoTime(); left > 0 && !Thread.currentThread().isInterrupted();
                left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }
}
