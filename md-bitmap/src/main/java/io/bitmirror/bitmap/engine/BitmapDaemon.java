package io.bitmirror.bitmap.engine;

import static io.bitmirror.bitmap.engine.ChunkCounters.COUNTER_MAX;
import static io.bitmirror.bitmap.engine.ChunkCounters.NEEDED;
import static io.bitmirror.bitmap.engine.ChunkCounters.RESYNC;

import java.util.concurrent.locks.LockSupport;

/**
 * md's lazy clearing, in two passes. A pass first moves every idle chunk (count 2, no NEEDED, no
 * RESYNC) to "pending clear" (count 1); a chunk still pending at the next pass is cleared, but
 * only if a member flush was requested after the previous pass ended (W2). When chunks are
 * pending and nobody flushed the members since the previous pass, the daemon flushes them itself
 * through its {@link MemberFlush} (md's bitmap page writes carry a preflush for the same reason):
 * so an idle chunk's bit is cleared on disk within two daemon_sleep periods whatever the clients
 * do (L1).
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
    /** Chunks the previous pass left pending (count 1). Daemon-pass confined. */
    private long pendingAfterPreviousPass;
    private volatile MemberFlush memberFlush;
    private volatile long memberFlushes;
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

    /** Member flushes the daemon asked for itself (L1). */
    long memberFlushes() {
        return memberFlushes;
    }

    void memberFlush(MemberFlush f) {
        this.memberFlush = f;
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
            pendingAfterPreviousPass = 0;
            return;
        }
        long flushed = engine.flushedTicket();
        if (pendingAfterPreviousPass > 0 && previousPassMark != Long.MAX_VALUE && flushed <= previousPassMark
                && mutant != Mutant.W2 && mutant != Mutant.L1) {
            flushed = flushMembers();
        }
        boolean mayClear = mutant == Mutant.W2 || (mutant != Mutant.L1 && previousPassMark != Long.MAX_VALUE
                && flushed > previousPassMark);
        long chunks = counters.chunks();
        long n = 0;
        long pending = 0;
        for (long c = 0; c < chunks; c++) {
            int v = counters.get(c);
            int count = v & COUNTER_MAX;
            if ((v & (NEEDED | RESYNC)) != 0 || count == 0 || count > 2) {
                continue;
            }
            if (count == 2) {
                if (counters.compareAndSet(c, 2, 1)) {
                    pending++;
                }
            } else if (mayClear && engine.clearPending(c, mutant == Mutant.W4)) {
                n++;
            } else {
                pending++;
            }
        }
        // Read after the scan: a ticket issued later is later than every completion it saw.
        previousPassMark = engine.currentTicket();
        pendingAfterPreviousPass = pending;
        if (n > 0) {
            cleared += n;
            engine.afterClear();
        }
    }

    /**
     * Flushes the members now; returns the flushed ticket after it. The ticket the flush takes is
     * later than {@link #previousPassMark}, so it covers the last write of every chunk the
     * previous pass found idle (W2); a flush that fails clears nothing (the ticket stays put, and
     * the failed member makes the array degraded, W4).
     */
    private long flushMembers() {
        MemberFlush f = memberFlush;
        if (f != null) {
            try {
                f.flushMembers();
                memberFlushes++;
            } catch (java.io.IOException | RuntimeException e) {
                // The next pass tries again; the array has already logged and failed the member.
            }
        }
        return engine.flushedTicket();
    }
}
