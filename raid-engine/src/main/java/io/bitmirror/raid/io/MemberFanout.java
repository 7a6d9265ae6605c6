package io.bitmirror.raid.io;

import io.bitmirror.raid.member.MemberDevice;

import java.io.IOException;

/**
 * Sends one request to several members. In parallel mode the calling thread performs the request
 * on the lowest member itself (no hand-off for the common first copy) and hands the others to
 * their I/O threads; otherwise it performs it on each member in turn. It returns when all have
 * answered, with the mask of members that failed. Asynchronous writes ({@link #startWrite})
 * always go through the I/O threads.
 *
 * <p>Slots come from a fixed {@link SlotPool} of at most 64; everything is allocated here, at
 * assemble, and nothing per request. The in-turn loop over the members is {@link Broadcast}'s.
 */
public final class MemberFanout implements AutoCloseable {
    /** Most slots a fan-out can have (one bit each in the free mask). */
    public static final int MAX_SLOTS = SlotPool.MAX;

    private final IoSlot[] slots;
    private final SlotPool free;
    /** The request on one member, in the calling thread: preallocated, so nothing per call. */
    private final Broadcast.MemberOp<IoSlot> inline = (m, s) -> MemberWorker.execute(device(m), m, s);
    private final MemberDevice[] devices;
    private final MemberWorker[] workers;
    private final String name;
    private final boolean parallel;

    /**
     * @param devices one per member position; null for a missing member
     * @param slots request slots (at most 64)
     * @param slotBytes buffer bytes per slot: the largest request
     * @param parallel hand every member but the first to its own I/O thread; when false the
     *     calling thread writes each member in turn, which measured faster on fast devices (a
     *     thread hand-off costs more than a 4 KiB write to tmpfs or a fast SSD)
     */
    public MemberFanout(MemberDevice[] devices, int slots, int slotBytes, String name, boolean parallel) {
        if (slots < 1 || slots > MAX_SLOTS) {
            throw new IllegalArgumentException("slots must be 1.." + MAX_SLOTS + ": " + slots);
        }
        if (devices.length > 31) {
            throw new IllegalArgumentException("at most 31 members: " + devices.length);
        }
        this.name = name;
        this.parallel = parallel;
        this.devices = devices.clone();
        this.slots = new IoSlot[slots];
        for (int i = 0; i < slots; i++) {
            this.slots[i] = new IoSlot(i, slotBytes, devices.length);
        }
        this.free = new SlotPool(slots);
        this.workers = new MemberWorker[devices.length];
        for (int m = 0; m < devices.length; m++) {
            if (devices[m] != null) {
                startWorker(m);
            }
        }
    }

    private void startWorker(int m) {
        workers[m] = new MemberWorker(m, devices[m], slots.length, name + "-member" + m);
        workers[m].start();
    }

    public int members() {
        return devices.length;
    }

    public MemberDevice device(int m) {
        return devices[m];
    }

    /** Puts {@code dev} at position {@code m} (re-add); the old device is not closed here. */
    public synchronized void replace(int m, MemberDevice dev) {
        if (workers[m] != null) {
            workers[m].stop();
            workers[m] = null;
        }
        devices[m] = dev;
        if (dev != null) {
            startWorker(m);
        }
    }

    /** Takes a free slot, waiting for one if all are in use. */
    public IoSlot acquire() {
        return slots[free.acquire()];
    }

    /** Returns a slot to the pool. */
    public void release(IoSlot s) {
        free.release(s.index);
    }

    public int slotBytes() {
        return slots[0].capacity();
    }

    /** Writes {@code [0, length)} of the slot's buffer at {@code position} on the members in {@code mask}. */
    public int write(IoSlot s, long position, int length, boolean fua, int mask) {
        return run(s, IoSlot.WRITE, position, length, 0, fua, mask);
    }

    /**
     * Starts writing {@code [0, length)} of the slot at {@code position} on the members in
     * {@code mask}, all on their I/O threads, and returns at once; {@link #await} waits for it.
     * Lets one thread read the next piece while the last one is being written.
     */
    public void startWrite(IoSlot s, long position, int length, int mask) {
        int count = Integer.bitCount(mask);
        s.prepare(IoSlot.WRITE, position, length, 0, false, count);
        for (int rest = mask; rest != 0; rest &= rest - 1) {
            workers[Integer.numberOfTrailingZeros(rest)].submit(s);
        }
    }

    /** Waits for a {@link #startWrite}; returns the mask of members that failed. */
    public int await(IoSlot s) {
        return s.await();
    }

    /** Flushes the members in {@code mask}. */
    public int flush(IoSlot s, int mask) {
        return run(s, IoSlot.FLUSH, 0, 0, 0, false, mask);
    }

    /** Trims {@code [position, position + bytes)} on the members in {@code mask}. */
    public int trim(IoSlot s, long position, long bytes, int mask) {
        return run(s, IoSlot.TRIM, position, 0, bytes, false, mask);
    }

    /**
     * Reads {@code [0, length)} from one member into the slot's buffer, in the calling thread.
     *
     * @throws IOException when the member fails
     */
    public void read(IoSlot s, int member, long position, int length) throws IOException {
        s.prepare(IoSlot.READ, position, length, 0, false, 0);
        devices[member].read(position, s.viewFor(member));
    }

    private int run(IoSlot s, int op, long position, int length, long extent, boolean fua, int mask) {
        int count = Integer.bitCount(mask);
        if (count == 0) {
            return 0;
        }
        s.prepare(op, position, length, extent, fua, count);
        if (!parallel) {
            // Every member in turn by this thread: nobody else completes the slot.
            return Broadcast.toEach(mask, inline, s, lastInlineError);
        }
        int first = Integer.lowestOneBit(mask);
        for (int rest = mask & ~first; rest != 0; rest &= rest - 1) {
            int m = Integer.numberOfTrailingZeros(rest);
            workers[m].submit(s);
        }
        // The lowest member by this thread while the I/O threads do the others.
        int failed = Broadcast.toEach(first, inline, s, lastInlineError);
        s.complete(Integer.numberOfTrailingZeros(first), failed == 0);
        return s.await();
    }

    private final Exception[] lastInlineError = new Exception[31];


    /** The last error member {@code m} reported, for messages (not on the I/O path). */
    public String lastError(int m) {
        Exception e = lastException(m);
        return e == null ? "I/O error" : String.valueOf(e.getMessage());
    }

    /** The last error member {@code m} reported (its I/O thread's, else the inline one), or null. */
    public Exception lastException(int m) {
        IOException b = workers[m] == null ? null : workers[m].lastError();
        return b != null ? b : lastInlineError[m];
    }

    /** Threads of the I/O path, for allocation measurements. */
    public Thread[] threads() {
        int n = 0;
        for (MemberWorker w : workers) {
            if (w != null) {
                n++;
            }
        }
        Thread[] t = new Thread[n];
        int i = 0;
        for (MemberWorker w : workers) {
            if (w != null) {
                t[i++] = w.thread();
            }
        }
        return t;
    }

    @Override
    public synchronized void close() {
        for (int m = 0; m < workers.length; m++) {
            if (workers[m] != null) {
                workers[m].stop();
                workers[m] = null;
            }
        }
    }
}
