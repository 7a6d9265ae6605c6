package io.bitmirror.raid.array;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Keeps resync/recovery and writes off the same unit (bitmap chunk, or a 1 MiB window without
 * a bitmap) at the same time, like md's barrier buckets: writers count themselves into the
 * buckets of their units; the syncer announces the unit it copies and waits for the unit's
 * bucket to drain; writers that meet the announced unit step back and wait.
 */
final class SyncBarrier {
    private static final int BUCKETS = 1024;
    private static final long WAIT_NANOS = 50_000;

    private final AtomicIntegerArray inFlight = new AtomicIntegerArray(BUCKETS);
    private volatile long syncingUnit = -1;
    /** Set by {@link #suspend()} (md's mddev_suspend): no write enters until {@link #resume()}. */
    private volatile boolean suspended;

    /** Enters units {@code [first, last]}; waits while the syncer copies one of them. */
    void enter(long first, long last) {
        while (true) {
            for (long u = first; u <= last; u++) {
                inFlight.incrementAndGet(bucket(u));
            }
            // Dekker with beginSync(): count first, then look; the syncer announces, then looks.
            long s = syncingUnit;
            if ((s < first || s > last) && !suspended) {
                return;
            }
            exit(first, last);
            while (suspended || syncingUnit >= first && syncingUnit <= last) {
                LockSupport.parkNanos(this, WAIT_NANOS);
            }
        }
    }

    void exit(long first, long last) {
        for (long u = first; u <= last; u++) {
            inFlight.decrementAndGet(bucket(u));
        }
    }

    /** Announces {@code unit} and waits until no write is in it (or in its bucket). */
    void beginSync(long unit) {
        syncingUnit = unit;
        int b = bucket(unit);
        while (inFlight.get(b) != 0) {
            LockSupport.parkNanos(this, WAIT_NANOS);
        }
    }

    /**
     * Quiesces the writers (md's mddev_suspend): from now on no write enters, and this returns
     * once every write that had entered has left. Dekker with {@link #enter}: the flag is set
     * first, then the buckets are looked at; a writer counts itself first, then looks at the flag.
     * One suspender at a time (the grow, under the manage lock); never while a sync pass runs.
     */
    void suspend() {
        suspended = true;
        for (int b = 0; b < BUCKETS; b++) {
            while (inFlight.get(b) != 0) {
                LockSupport.parkNanos(this, WAIT_NANOS);
            }
        }
    }

    /** Lets writers in again. */
    void resume() {
        suspended = false;
    }

    void endSync() {
        syncingUnit = -1;
    }

    private static int bucket(long unit) {
        return (int) (unit & (BUCKETS - 1));
    }
}
