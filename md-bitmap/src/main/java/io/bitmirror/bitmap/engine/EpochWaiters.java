package io.bitmirror.bitmap.engine;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Writers parked until an epoch is durable. A fixed table of slots, claimed by CAS, so that
 * parking allocates nothing; the flusher unparks every occupied slot once per epoch (group
 * commit: one wake-up pass releases all writers of the epoch). A writer that finds no free slot
 * polls with a short timed park instead, which is slower but still correct.
 */
final class EpochWaiters {
    private static final long POLL_NANOS = 50_000;
    private final AtomicReferenceArray<Thread> slots;
    private final int mask;

    EpochWaiters(int slotsPowerOfTwo) {
        this.slots = new AtomicReferenceArray<>(slotsPowerOfTwo);
        this.mask = slotsPowerOfTwo - 1;
    }

    /** Parks the calling thread until {@code epochs.durableEpoch() >= epoch}. */
    void await(Flusher epochs, long epoch) {
        if (epochs.durableEpoch() >= epoch) {
            return;
        }
        Thread me = Thread.currentThread();
        int start = (int) me.getId() & mask;
        int slot = -1;
        for (int i = 0; i <= mask; i++) {
            int s = (start + i) & mask;
            if (slots.get(s) == null && slots.compareAndSet(s, null, me)) {
                slot = s;
                break;
            }
        }
        try {
            // Ordering: the slot is published (volatile CAS) before durableEpoch is read again,
            // and the flusher publishes durableEpoch before it reads the slots; so either we see
            // the new epoch here or the flusher sees us and unparks us. No lost wake-up.
            while (epochs.durableEpoch() < epoch) {
                if (slot >= 0) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, POLL_NANOS);
                }
            }
        } finally {
            if (slot >= 0) {
                slots.set(slot, null);
            }
        }
    }

    /** Unparks every parked writer; each re-checks its own epoch. */
    void releaseAll() {
        for (int s = 0; s <= mask; s++) {
            Thread t = slots.get(s);
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }
}
