package io.bitmirror.raid.io;

import io.bitmirror.raid.device.DirectIo;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One preallocated I/O request: an aligned buffer, one view of it per member (so members can
 * consume it concurrently without allocating views per request), and completion state.
 */
public final class IoSlot {
    /** Write the slot's data. */
    public static final int WRITE = 1;
    /** Flush the member (fdatasync). */
    public static final int FLUSH = 2;
    /** Trim (zero) a range. */
    public static final int TRIM = 3;
    /** Read into the member's view (recovery and resync targets). */
    public static final int READ = 4;

    final int index;
    private final ByteBuffer data;
    private final ByteBuffer[] views;
    /** One block for the array's read-modify-write of a partial block (a whole block is read here). */
    private final ByteBuffer block = DirectIo.allocate(DirectIo.ALIGN);
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicInteger failedMask = new AtomicInteger();
    private volatile Thread waiter;

    int op;
    long position;
    int length;
    /** Bytes of a trim (may exceed the buffer). */
    long extent;
    boolean fua;

    IoSlot(int index, int capacity, int members) {
        this.index = index;
        this.data = DirectIo.allocate(capacity);
        this.views = new ByteBuffer[members];
        for (int m = 0; m < members; m++) {
            views[m] = data.duplicate();
        }
    }

    /** The slot's buffer: fill {@code [0, length)} before a write. */
    public ByteBuffer data() {
        return data;
    }

    /** A block-sized scratch buffer of the slot's holder (partial-block merges). */
    public ByteBuffer block() {
        return block;
    }

    public int capacity() {
        return data.capacity();
    }

    /** The view member {@code m} reads from or writes to, set to {@code [0, length)}. */
    ByteBuffer viewFor(int m) {
        ByteBuffer v = views[m];
        v.limit(length).position(0);
        return v;
    }

    /** Prepares the request; {@code count} members will answer. */
    void prepare(int op, long position, int length, long extent, boolean fua, int count) {
        this.op = op;
        this.position = position;
        this.length = length;
        this.extent = extent;
        this.fua = fua;
        failedMask.set(0);
        waiter = Thread.currentThread();
        pending.set(count);
    }

    /** A member answered; {@code ok == false} records it in the failed mask. */
    void complete(int member, boolean ok) {
        if (!ok) {
            int bit = 1 << member;
            int cur;
            do {
                cur = failedMask.get();
            } while (!failedMask.compareAndSet(cur, cur | bit));
        }
        if (pending.decrementAndGet() == 0) {
            LockSupport.unpark(waiter);
        }
    }

    /** Waits until every member answered; returns the bit mask of members that failed. */
    int await() {
        int spins = 0;
        while (pending.get() != 0) {
            if (spins < 200) {
                spins++;
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        return failedMask.get();
    }
}
