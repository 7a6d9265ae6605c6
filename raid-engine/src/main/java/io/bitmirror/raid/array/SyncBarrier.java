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

    /** Enters units {@code [first, last]}; waits while the syncer copies one of them. */
    void enter(long first, long last) {
        while (true) {
            for (long u = first; u <= last; u++) {
                inFlight.incrementAndGet(bucket(u));
            }
            // Dekker with beginSync(): count first, then look; the syncer announces, then looks.
            long s = syncingUnit;
            if (s < first || s > last) {
                return;
            }
            exit(first, last);
            while (syncingUnit >= first && syncingUnit <= last) {
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

    void endSync() {
        syncingUnit = -1;
    }

    private static int bucket(long unit) {
        return (int) (unit & (BUCKETS - 1));
    }
}
