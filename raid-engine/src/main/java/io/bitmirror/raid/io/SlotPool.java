package io.bitmirror.raid.io;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A pool of at most 64 preallocated things, named by index: a bit mask of the free ones, taken
 * and given back with compare-and-set, allocating nothing. The member fan-out's request slots
 * and an NBD connection's request records both come from one.
 */
public final class SlotPool {
    /** Most indices a pool can have (one bit each in the free mask). */
    public static final int MAX = 64;
    private static final long WAIT_NANOS = 20_000;

    private final AtomicLong free;
    private final long all;

    /** A pool of indices {@code 0 .. size-1}, all free. */
    public SlotPool(int size) {
        if (size < 1 || size > MAX) {
            throw new IllegalArgumentException("a pool holds 1.." + MAX + ": " + size);
        }
        this.all = size == MAX ? -1L : (1L << size) - 1;
        this.free = new AtomicLong(all);
    }

    /** Takes the lowest free index, or returns -1 when none is free. */
    public int tryAcquire() {
        while (true) {
            long f = free.get();
            if (f == 0) {
                return -1;
            }
            long bit = Long.lowestOneBit(f);
            if (free.compareAndSet(f, f & ~bit)) {
                return Long.numberOfTrailingZeros(bit);
            }
        }
    }

    /** True when every index is free. */
    public boolean full() {
        return free.get() == all;
    }

    /** Takes a free index, waiting (parked briefly, then again) while none is. */
    public int acquire() {
        while (true) {
            int i = tryAcquire();
            if (i >= 0) {
                return i;
            }
            park();
        }
    }

    /** The pause between tries of a caller that waits in its own loop (to notice a close). */
    public void park() {
        LockSupport.parkNanos(this, WAIT_NANOS);
    }

    /** Gives index {@code i} back. */
    public void release(int i) {
        long bit = 1L << i;
        long f;
        do {
            f = free.get();
        } while (!free.compareAndSet(f, f | bit));
    }
}
