package io.bitmirror.raid.io;

import io.bitmirror.raid.device.DirectIo;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One preallocated I/O request: an aligned buffer, one view of it per member (so members can
 * consume it concurrently without allocating views per request), and completion state.
 */
public final class IoSlot {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IoSlot.class);
    /** Write the slot's data. */
    public static final int WRITE = 1;
    /** Flush the member (fdatasync). */
    public static final int FLUSH = 2;
    /** Trim (zero) a range. */
    public static final int TRIM = 3;
    /** Read into the member's view (recovery and resync targets). */
    public static final int READ = 4;

    /**
     * What runs when the last member of an asynchronous request has answered, or when the
     * request's time ran out ({@link MemberFanout#submitWrite}). It runs exactly once per
     * request, on whichever thread ended it: a completion thread, a member's I/O thread, the
     * fan-out's watchdog, or the submitting thread itself (members it performed, or none).
     */
    @FunctionalInterface
    public interface Completion {
        /** @param failed the members that failed or did not answer in time */
        void completed(IoSlot s, int failed);
    }

    final int index;
    private final ByteBuffer data;
    private final ByteBuffer[] views;
    /** One block for the array's read-modify-write of a partial block (a whole block is read here). */
    private final ByteBuffer block = DirectIo.allocate(DirectIo.ALIGN);
    /**
     * The members still to answer (low 32 bits) and those that failed (high 32 bits), in one
     * word so that a completion and a time-out never both claim a member: a member whose bit is
     * no longer outstanding (it timed out) is ignored when it answers late.
     */
    private final AtomicLong state = new AtomicLong();
    private volatile Thread waiter;
    /** The asynchronous request's end, or null when a thread waits in {@link #await(long)}. */
    private volatile Completion completion;
    /** An asynchronous request's deadline (System.nanoTime), 0 when it has none or is not asynchronous. */
    private volatile long deadline;
    /** The members that did not answer in time in the last {@link #await(long)}. */
    private int timedOut;

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

    /** The slot's number in its fan-out, 0 .. slots-1: for per-slot state kept elsewhere. */
    public int index() {
        return index;
    }

    /** Prepares the request; the members of {@code mask} will answer, a thread waits in {@link #await}. */
    void prepare(int op, long position, int length, long extent, boolean fua, int mask) {
        prepare(op, position, length, extent, fua, mask, null, 0);
    }

    /**
     * Prepares an asynchronous request: the last answer (or the watchdog, after
     * {@code deadline}; 0: never) runs {@code end}. The deadline is cleared first and set last,
     * so a watchdog that reads it before and after the state never takes a new request's state
     * for the old request's (see {@link #expire}).
     */
    void prepare(int op, long position, int length, long extent, boolean fua, int mask, Completion end,
            long deadline) {
        this.deadline = 0;
        this.completion = end;
        this.op = op;
        this.position = position;
        this.length = length;
        this.extent = extent;
        this.fua = fua;
        timedOut = 0;
        waiter = Thread.currentThread();
        state.set(mask & 0xffffffffL);
        this.deadline = deadline;
    }

    /**
     * A member answered; {@code ok == false} records it in the failed mask. An answer from a
     * member that is not outstanding (it timed out, and the slot may serve another request now)
     * changes nothing.
     */
    void complete(int member, boolean ok) {
        long bit = 1L << member;
        long cur;
        long next;
        do {
            cur = state.get();
            if ((cur & bit) == 0) {
                return;
            }
            next = (cur & ~bit) | (ok ? 0 : bit << 32);
        } while (!state.compareAndSet(cur, next));
        if ((int) next == 0) {
            // This answer was the last: the one compare-and-set that emptied the outstanding
            // mask, so exactly one thread gets here (or to expire's) per request.
            Completion end = completion;
            if (end != null) {
                run(end, (int) (next >>> 32));
            } else {
                LockSupport.unpark(waiter);
            }
        }
    }

    /**
     * The watchdog's look at an asynchronous request: when its deadline passed with members
     * still silent, claims them as failed (the same compare-and-set their answers would make,
     * so an answer and the claim never both count) and returns them; the caller then runs
     * {@link #fireCompletion}. Returns 0 otherwise.
     */
    int expire(long now) {
        long d = deadline;
        if (d == 0 || now - d < 0) {
            return 0;
        }
        long v = state.get();
        int silent = (int) v;
        // Read after the state: a slot re-prepared since the first read has another deadline.
        if (silent == 0 || deadline != d) {
            return 0;
        }
        if (!state.compareAndSet(v, ((v >>> 32) | (silent & 0xffffffffL)) << 32)) {
            // A member answered meanwhile (perhaps the last): the next look decides.
            return 0;
        }
        timedOut = silent;
        return silent;
    }

    /** Runs the completion of a request {@link #expire} ended. */
    void fireCompletion() {
        run(completion, (int) (state.get() >>> 32));
    }

    /**
     * Runs a completion on the thread that ended the request: a completion thread serves every
     * request, so a completion that throws (a bug) is said in the log and does not end it.
     */
    private void run(Completion end, int failed) {
        try {
            end.completed(this, failed);
        } catch (RuntimeException | Error e) {
            LOG.error("request completion failed (the request's submitter never hears of it): {}", e.toString(), e);
        }
    }

    /**
     * Waits until every member answered, or {@code timeoutNanos} (0: no limit) passed since the
     * wait began: then the members still outstanding count as failed ({@link #timedOut()}) and
     * their late answers are ignored.
     *
     * @return the bit mask of members that failed
     */
    int await(long timeoutNanos) {
        int spins = 0;
        long deadline = 0;
        while (true) {
            long v = state.get();
            if ((int) v == 0) {
                return (int) (v >>> 32);
            }
            if (spins < 200) {
                spins++;
                Thread.onSpinWait();
            } else if (timeoutNanos <= 0) {
                LockSupport.park(this);
            } else {
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + timeoutNanos;
                } else if (now - deadline >= 0) {
                    // Claim the silent members as failed in the same word their answers would clear.
                    int silent = (int) v;
                    if (state.compareAndSet(v, ((v >>> 32) | (silent & 0xffffffffL)) << 32)) {
                        timedOut = silent;
                        return (int) (v >>> 32) | silent;
                    }
                    continue;
                }
                LockSupport.parkNanos(this, deadline - now);
            }
        }
    }

    /** Members that did not answer within the last {@link #await(long)}'s time (a subset of its failures). */
    int timedOut() {
        return timedOut;
    }
}
