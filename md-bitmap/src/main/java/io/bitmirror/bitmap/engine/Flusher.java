package io.bitmirror.bitmap.engine;

import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread that makes epochs durable (group commit). An epoch collects every page dirtied
 * while it is open; to commit it the flusher, under the engine lock, closes it (opens the next)
 * and copies its dirty pages into their snapshots; then, without the lock, writes each snapshot
 * to every bitmap copy, waits for the pending-write counter to reach zero, flushes the store,
 * publishes the epoch as durable and unparks every waiting writer at once.
 *
 * <p>Epoch numbers: {@link #openEpoch()} starts at 1, {@link #durableEpoch()} at 0, and the
 * durable epoch only grows. A failed write or flush puts the engine in write-error state; the
 * epoch's writers are released anyway (md: the bitmap stops being trusted, the array goes on,
 * the stale flag forces a full resync at the next assembly) and its pages stay dirty.
 */
final class Flusher implements Runnable {
    private static final long STOPPED = Long.MAX_VALUE;

    private final WriteIntentBitmap engine;
    private final Object lock;
    private final PageImages pages;
    private final BitmapStore store;
    private final PendingWrites pending = new PendingWrites();
    private final EpochWaiters waiters;
    private final long timeoutNanos;
    private final Mutant mutant;
    private final int[] batch;
    private final AtomicLong requested = new AtomicLong();
    private final Thread thread;

    /** Guarded by lock. */
    private long openEpoch = 1;
    private volatile long durableEpoch;
    private volatile boolean stopping;
    private volatile long pageWrites;
    private volatile long epochs;
    /** Commits whose writes failed (write-error state); counted before their writers are released. */
    private volatile long failedCommits;

    Flusher(WriteIntentBitmap engine, Object lock, PageImages pages, BitmapStore store, EpochWaiters waiters,
            long timeoutNanos, Mutant mutant, String name) {
        this.engine = engine;
        this.lock = lock;
        this.pages = pages;
        this.store = store;
        this.waiters = waiters;
        this.timeoutNanos = timeoutNanos;
        this.mutant = mutant;
        this.batch = new int[pages.pages()];
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    /** The epoch that pages dirtied now belong to. Call with the engine lock held. */
    long openEpoch() {
        return openEpoch;
    }

    long durableEpoch() {
        return durableEpoch;
    }

    long pageWrites() {
        return pageWrites;
    }

    long failedCommits() {
        return failedCommits;
    }

    long epochs() {
        return epochs;
    }

    /** Asks for {@code epoch} to be made durable; does not wait. */
    void request(long epoch) {
        for (;;) {
            long r = requested.get();
            if (r >= epoch) {
                return;
            }
            if (requested.compareAndSet(r, epoch)) {
                // After the request is published, so the flusher cannot miss it.
                LockSupport.unpark(thread);
                return;
            }
        }
    }

    /** Makes everything dirtied so far durable, then returns. */
    void flushAndWait() {
        long e;
        synchronized (lock) {
            e = openEpoch;
        }
        request(e);
        waiters.await(this, e);
    }

    void stop() {
        flushAndWait();
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
        while (!stopping) {
            if (requested.get() <= durableEpoch) {
                LockSupport.park(this);
                continue;
            }
            commitEpoch();
        }
        durableEpoch = STOPPED;
        waiters.releaseAll();
    }

    private void commitEpoch() {
        long epoch;
        int n;
        int n2 = 0;
        ChangeBitmap[] tracked;
        synchronized (lock) {
            epoch = openEpoch;
            // Close the epoch: pages dirtied from now on belong to the next one, whose writers
            // will wait for the next commit. The snapshot is taken under the same lock that
            // writers hold while setting bits, so every bit of this epoch is in it.
            openEpoch = epoch + 1;
            n = pages.snapshotDirty(batch);
            tracked = engine.trackersForCommit();
            for (ChangeBitmap t : tracked) {
                t.snapshot();
                n2 += t.snapshotted();
            }
        }
        if (mutant == Mutant.W1) {
            publish(epoch);
        }
        boolean ok = true;
        if (n > 0) {
            pending.clearError();
            for (int i = 0; i < n; i++) {
                int p = batch[i];
                try {
                    store.writePage(p, mutant == Mutant.W6 ? pages.liveSlice(p) : pages.snapshot(p),
                            pages.writeLength(p), pending);
                } catch (RuntimeException e) {
                    ok = false;
                }
            }
            try {
                // Completion first, then the cache flush: a flush only covers completed writes.
                ok &= pending.awaitZero(timeoutNanos);
                if (ok) {
                    store.flush();
                }
            } catch (IOException | RuntimeException e) {
                ok = false;
            }
            pageWrites += n;
            if (!ok) {
                engine.onWriteError(batch, n);
                failedCommits++;
            }
        }
        if (n2 > 0) {
            // The changed-block bitmaps of this epoch, durable before its writers go on, like
            // the write-intent pages above (W1 for tracking).
            for (ChangeBitmap t : tracked) {
                if (!t.writeSnapshot()) {
                    synchronized (lock) {
                        t.writeFailed();
                    }
                }
            }
        }
        epochs++;
        // Only now may the epoch's writers issue their data writes (W1).
        publish(epoch);
    }

    private void publish(long epoch) {
        if (durableEpoch < epoch) {
            durableEpoch = epoch;
        }
        // durableEpoch is published before the slots are read: see EpochWaiters.await.
        waiters.releaseAll();
    }
}
