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
    /** Low word: the members still to answer (31 at most)... */
    private static final long OUTSTANDING = 0x7fffffffL;
    /** ...and a bit that flips with every request (see {@link #prepare}). */
    private static final long PARITY = 0x80000000L;
    /** Members the submitter performs itself in the current request: the watchdog leaves them alone. */
    private volatile int byCaller;
    private volatile Thread waiter;
    /**
     * Member operations handed to the kernel or to an I/O thread and not yet back. A member that
     * timed out may still hold one: the kernel may yet read or write this slot's buffer, so the
     * slot must not serve another request until it is back ({@link #release}, {@link #returned}).
     */
    private final java.util.concurrent.atomic.AtomicInteger issued = new java.util.concurrent.atomic.AtomicInteger();
    /** Given back by its user while operations were still out: the last one back frees it. */
    private final java.util.concurrent.atomic.AtomicBoolean parked = new java.util.concurrent.atomic.AtomicBoolean();
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

    /** {@code n} member operations go to the kernel or I/O threads (before they are submitted). */
    void issued(int n) {
        issued.addAndGet(n);
    }

    /**
     * One member operation came back (before its answer is counted).
     *
     * @return true when the slot was given back meanwhile and this was the last one out: the
     *     caller returns it to the pool
     */
    boolean returned() {
        return issued.decrementAndGet() == 0 && parked.get() && parked.compareAndSet(true, false);
    }

    /**
     * Its user gives the slot back.
     *
     * @return true when it may serve another request now; false when an operation of a member
     *     that timed out is still out, and {@link #returned} frees it later
     */
    boolean release() {
        parked.set(true);
        return issued.get() == 0 && parked.compareAndSet(true, false);
    }

    /** The slot's number in its fan-out, 0 .. slots-1: for per-slot state kept elsewhere. */
    public int index() {
        return index;
    }

    /** Prepares the request; the members of {@code mask} will answer, a thread waits in {@link #await}. */
    void prepare(int op, long position, int length, long extent, boolean fua, int mask) {
        prepare(op, position, length, extent, fua, mask, null, 0, 0);
    }

    /**
     * Prepares an asynchronous request: the last answer (or the watchdog, after
     * {@code deadline}; 0: never) runs {@code end}. The deadline is cleared first and set last,
     * so a watchdog that reads it before and after the state never takes a new request's state
     * for the old request's (see {@link #expire}).
     */
    void prepare(int op, long position, int length, long extent, boolean fua, int mask, Completion end,
            long deadline, int byCaller) {
        this.deadline = 0;
        this.byCaller = byCaller;
        this.completion = end;
        this.op = op;
        this.position = position;
        this.length = length;
        this.extent = extent;
        this.fua = fua;
        timedOut = 0;
        waiter = Thread.currentThread();
        // A new request flips the parity bit: a watchdog holding the old request's word cannot
        // take the new one's for it, even when the two masks are the same.
        state.set((~state.get() & PARITY) | (mask & OUTSTANDING));
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
        if ((next & OUTSTANDING) == 0) {
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
     * so an answer and the claim never both count). Members the submitter performs itself are
     * left to it.
     *
     * @return 0 when nothing was claimed; else the claimed members in the low 32 bits, and bit
     *     32 set when the claim ended the request: the caller then runs {@link #fireCompletion}
     *     (else the submitter's last answer runs it)
     */
    long expire(long now) {
        long d = deadline;
        if (d == 0 || now - d < 0) {
            return 0;
        }
        long v = state.get();
        int silent = (int) (v & OUTSTANDING) & ~byCaller;
        // Read after the state: a slot re-prepared since the first read has another deadline.
        if (silent == 0 || deadline != d) {
            return 0;
        }
        long next = claim(v, silent);
        if (!state.compareAndSet(v, next)) {
            // A member answered meanwhile (perhaps the last): the next look decides.
            return 0;
        }
        timedOut = silent;
        return ((next & OUTSTANDING) == 0 ? 1L << 32 : 0) | (silent & 0xffffffffL);
    }

    /** The state word with {@code silent} moved from outstanding to failed, the parity kept. */
    private static long claim(long v, int silent) {
        long failed = (v >>> 32) | (silent & 0xffffffffL);
        return (failed << 32) | (v & PARITY) | (v & OUTSTANDING & ~(silent & 0xffffffffL));
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
            if ((v & OUTSTANDING) == 0) {
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
                    int silent = (int) (v & OUTSTANDING);
                    if (state.compareAndSet(v, claim(v, silent))) {
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
    public int timedOut() {
        return timedOut;
    }
}
