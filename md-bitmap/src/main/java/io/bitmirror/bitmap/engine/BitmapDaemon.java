package io.bitmirror.bitmap.engine;

import static io.bitmirror.bitmap.engine.ChunkCounters.COUNTER_MAX;
import static io.bitmirror.bitmap.engine.ChunkCounters.NEEDED;
import static io.bitmirror.bitmap.engine.ChunkCounters.RESYNC;

import java.util.concurrent.locks.LockSupport;

/**
 * md's lazy clearing, in two passes. A pass first moves every idle chunk (count 2, no NEEDED, no
 * RESYNC) to "pending clear" (count 1); a chunk still pending at the next pass is cleared, but
 * only if a member flush was requested after the previous pass ended (W2).
 *
 * <p>Why that is enough for W2: a chunk that the previous pass moved 2 to 1 by CAS had no write
 * in flight at that instant, so its last write had completed before the pass ended; a flush ticket
 * taken after the pass ended therefore belongs to a flush that started after that completion.
 * Any write in between moves the counter away from 1 (the CAS 1 to 0 then fails) and the chunk
 * starts over. Nothing is cleared while degraded (W4) or after a bitmap write error.
 */
final class BitmapDaemon implements Runnable {
    private final WriteIntentBitmap engine;
    private final ChunkCounters counters;
    private final long sleepNanos;
    private final Mutant mutant;
    private final Thread thread;
    private volatile boolean stopping;
    /** flushTicket value read at the end of the previous pass. Daemon-pass confined. */
    private long previousPassMark = Long.MAX_VALUE;
    private volatile long passes;
    private volatile long cleared;

    BitmapDaemon(WriteIntentBitmap engine, ChunkCounters counters, long sleepNanos, Mutant mutant, String name) {
        this.engine = engine;
        this.counters = counters;
        this.sleepNanos = sleepNanos;
        this.mutant = mutant;
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    long passes() {
        return passes;
    }

    long cleared() {
        return cleared;
    }

    void stop() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        long next = System.nanoTime() + sleepNanos;
        while (!stopping) {
            long left = next - System.nanoTime();
            if (left > 0) {
                LockSupport.parkNanos(this, left);
                continue;
            }
            next += sleepNanos;
            tick();
        }
    }

    /** One pass; synchronized so that direct calls (tests) and the thread never overlap. */
    synchronized void tick() {
        passes++;
        if (engine.writeError()) {
            // Keep retrying the pages (and the stale flag) that failed, once per daemon_sleep.
            engine.retryDirtyPages();
            return;
        }
        boolean degraded = engine.degraded() && mutant != Mutant.W4;
        if (degraded) {
            // W4: no clearing and no progress towards it; pending chunks start over afterwards.
            previousPassMark = Long.MAX_VALUE;
            return;
        }
        long flushed = engine.flushedTicket();
        boolean mayClear = mutant == Mutant.W2 || (previousPassMark != Long.MAX_VALUE && flushed > previousPassMark);
        long chunks = counters.chunks();
        long n = 0;
        for (long c = 0; c < chunks; c++) {
            int v = counters.get(c);
            int count = v & COUNTER_MAX;
            if ((v & (NEEDED | RESYNC)) != 0 || count == 0 || count > 2) {
                continue;
            }
            if (count == 2) {
                counters.compareAndSet(c, 2, 1);
            } else if (mayClear && engine.clearPending(c, mutant == Mutant.W4)) {
                n++;
            }
        }
        // Read after the scan: a ticket issued later is later than every completion it saw.
        previousPassMark = engine.currentTicket();
        if (n > 0) {
            cleared += n;
            engine.afterClear();
        }
    }
}
