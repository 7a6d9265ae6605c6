package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberFanout;
import io.bitmirror.raid.member.MemberPort;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * md's write-behind: a write's copy for the write-mostly members goes on after the other members
 * took it and the request was acknowledged. At most {@code limit} such writes are outstanding
 * (the bitmap's write_behind); then writers wait for one to end, as md's do.
 *
 * <p>Each outstanding write holds an entry: a copy of the data (allocated once per entry, grown
 * when a larger write needs it, then reused: nothing per request in steady state) and what the
 * end of the mirrored write needs. The mirrored write's end (the bitmap's endWrite, the sync
 * barrier, safe mode) waits for both halves: the members that acknowledged, and the ones behind.
 * So a chunk's bit cannot be cleared while a behind write to it is outstanding (W2), a stop or a
 * grow waits for them, and a failure behind fails the member and leaves the chunk NEEDED (W4).
 *
 * <p>The NBD server may reorder requests in flight, so a write that overlaps one still behind
 * waits for it before its own copy is submitted: the later data lands last.
 */
final class BehindWrites {

    /** What ends a mirrored write once both halves are done (see {@link MirroredIo}). */
    interface Release {
        void letGo(WriteIntentBitmap bitmap, long firstUnit, long lastUnit, boolean ok);
    }

    /** Fails members after a behind write failed (writes superblocks: not on a port's thread). */
    interface Failures {
        void failMembers(int mask, String why);
    }

    private final String name;
    private final MemberFanout fanout;
    private final Release release;
    private final Failures failures;
    private final Entry[] entries;
    /** Free entries' indices, a stack under this object's lock. */
    private final int[] free;
    private int freeTop;
    /** Entries outstanding (for reads that must come from a write-mostly member). */
    private int outstanding;
    /**
     * Outstanding writes per 64 KiB granule, hashed: a write whose granules all count 0 overlaps
     * nothing behind, found without looking at every entry (random writes almost always).
     */
    private final int[] granules = new int[GRANULES];
    private static final int GRANULES = 4096;
    private static final int GRANULE_SHIFT = 16;
    private final MemberPort.Done done = this::memberEnded;
    /** Mutant BEHIND: the first half lets go of the bits at once (for the crash explorer only). */
    private final boolean mutantEarlyRelease;

    BehindWrites(String name, int limit, int members, MemberFanout fanout, Release release, Failures failures,
            boolean mutantEarlyRelease) {
        this.name = name;
        this.mutantEarlyRelease = mutantEarlyRelease;
        this.fanout = fanout;
        this.release = release;
        this.failures = failures;
        this.entries = new Entry[limit];
        this.free = new int[limit];
        for (int i = 0; i < limit; i++) {
            entries[i] = new Entry(i, members);
            free[i] = limit - 1 - i;
        }
        this.freeTop = limit;
    }

    /** The most writes that may be behind at once. */
    int limit() {
        return entries.length;
    }

    /**
     * Copies the slot's {@code [0, bytes)} and submits it at {@code position} (FUA when
     * {@code fua}) to the members of {@code mask}, each through its port. Waits while {@link #limit()} writes are behind, and
     * while one behind overlaps this range. Called between the mirrored write's halves: the
     * bits are durable (W1) and the barrier and safe mode are held; the entry lets go of them
     * ({@link Release}) when {@link #firstHalfEnded} and every member here answered.
     */
    Entry start(IoSlot s, long position, int bytes, boolean fua, int mask, WriteIntentBitmap bitmap, long firstUnit,
            long lastUnit) {
        Entry e = acquire(position, position + bytes);
        e.fill(s.data(), bytes);
        e.bitmap = bitmap;
        e.firstUnit = firstUnit;
        e.lastUnit = lastUnit;
        e.failed.set(0);
        e.released = false;
        // Each member behind, and the first half.
        e.pending.set(Integer.bitCount(mask) + 1);
        e.mask = mask;
        for (int rest = mask; rest != 0; rest &= rest - 1) {
            int m = Integer.numberOfTrailingZeros(rest);
            MemberPort p = fanout.port(m);
            long tag = ((long) e.index << 5) | m;
            if (p == null) {
                // Gone meanwhile (failed and replaced): it counts as failed, like a lost link.
                memberEnded(tag, false);
            } else {
                p.submitWrite(position, e.view(m, bytes), fua, tag, done);
            }
        }
        return e;
    }

    /** The members that are not behind answered: {@code ok} when all of them took the write. */
    void firstHalfEnded(Entry e, boolean ok) {
        if (mutantEarlyRelease) {
            // The deliberate bug: the bits go as if nothing were behind.
            WriteIntentBitmap b = e.bitmap;
            e.bitmap = null;
            e.released = true;
            release.letGo(b, e.firstUnit, e.lastUnit, ok);
        }
        e.firstOk = ok;
        halfDone(e);
    }

    /** Waits until nothing is behind: a read that must come from a write-mostly member. */
    synchronized void awaitNone() {
        boolean interrupted = false;
        while (outstanding != 0) {
            interrupted |= waitForChange();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Under the lock: one wait for an entry to be given back. A writer between the halves of a
     * mirrored write cannot give up, so an interrupt is kept for later (the caller re-asserts it).
     *
     * @return true when interrupted
     */
    private boolean waitForChange() {
        try {
            wait();
            return false;
        } catch (InterruptedException x) {
            return true;
        }
    }

    /** Writes behind now. */
    synchronized int outstanding() {
        return outstanding;
    }

    private synchronized Entry acquire(long from, long to) {
        boolean interrupted = false;
        while (freeTop == 0 || overlaps(from, to)) {
            interrupted |= waitForChange();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Entry e = entries[free[--freeTop]];
        e.from = from;
        e.to = to;
        e.busy = true;
        count(from, to, 1);
        outstanding++;
        return e;
    }

    /** Under the lock: an outstanding entry writes some of {@code [from, to)}. */
    private boolean overlaps(long from, long to) {
        if (outstanding == 0 || !sharesGranule(from, to)) {
            return false;
        }
        for (Entry e : entries) {
            if (e.busy && e.from < to && from < e.to) {
                return true;
            }
        }
        return false;
    }

    /** Under the lock: some outstanding write may touch a granule of {@code [from, to)}. */
    private boolean sharesGranule(long from, long to) {
        for (long g = from >>> GRANULE_SHIFT, last = (to - 1) >>> GRANULE_SHIFT; g <= last; g++) {
            if (granules[(int) (g & (GRANULES - 1))] != 0) {
                return true;
            }
        }
        return false;
    }

    /** Under the lock: counts {@code [from, to)}'s granules in ({@code +1}) or out ({@code -1}). */
    private void count(long from, long to, int delta) {
        for (long g = from >>> GRANULE_SHIFT, last = (to - 1) >>> GRANULE_SHIFT; g <= last; g++) {
            granules[(int) (g & (GRANULES - 1))] += delta;
        }
    }

    private synchronized void give(Entry e) {
        count(e.from, e.to, -1);
        e.busy = false;
        e.bitmap = null;
        outstanding--;
        free[freeTop++] = e.index;
        notifyAll();
    }

    /** A member's answer to a behind write (its port's thread). */
    private void memberEnded(long tag, boolean ok) {
        Entry e = entries[(int) (tag >>> 5)];
        if (!ok) {
            int bit = 1 << (int) (tag & 31);
            int f;
            do {
                f = e.failed.get();
            } while (!e.failed.compareAndSet(f, f | bit));
        }
        halfDone(e);
    }

    private void halfDone(Entry e) {
        if (e.pending.decrementAndGet() != 0) {
            return;
        }
        int failed = e.failed.get();
        if (failed == 0) {
            end(e, 0);
            return;
        }
        // Failing a member writes superblocks and may wait on the manage lock: a thread of its
        // own, as a failed client write's end. Failures are rare.
        Thread t = new Thread(() -> end(e, failed), name + "-behind-failure");
        t.setDaemon(true);
        t.start();
    }

    private void end(Entry e, int failed) {
        WriteIntentBitmap bitmap = e.bitmap;
        try {
            if (failed != 0) {
                // Before the chunks' end: the superblocks must say the member failed before
                // anything could clear the bit that covers its missing copy (W4).
                failures.failMembers(failed, "write-behind error");
            }
        } finally {
            try {
                if (!e.released) {
                    release.letGo(bitmap, e.firstUnit, e.lastUnit, e.firstOk && failed == 0);
                }
            } finally {
                give(e);
            }
        }
    }

    /** One write behind. */
    static final class Entry {
        final int index;
        /** The data's copy; grown when a larger write needs it, then reused. */
        private ByteBuffer copy;
        /** One view of the copy per member (a port reads its buffer's position and limit). */
        private final ByteBuffer[] views;
        long from;
        long to;
        volatile boolean busy;
        int mask;
        final AtomicInteger pending = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        volatile boolean firstOk;
        /** Mutant BEHIND only: the bits were let go by the first half. */
        volatile boolean released;
        WriteIntentBitmap bitmap;
        long firstUnit;
        long lastUnit;

        Entry(int index, int members) {
            this.index = index;
            this.views = new ByteBuffer[members];
        }

        void fill(ByteBuffer data, int bytes) {
            if (copy == null || copy.capacity() < bytes) {
                // Once per entry and size: in steady state the copies are reused.
                copy = DirectIo.allocate(Math.max(bytes, DirectIo.ALIGN));
                java.util.Arrays.fill(views, null);
            }
            copy.clear();
            copy.put(0, data, 0, bytes);
        }

        ByteBuffer view(int m, int bytes) {
            if (views[m] == null) {
                views[m] = copy.duplicate();
            }
            return views[m].clear().limit(bytes);
        }
    }
}
