package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;
import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberFanout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The array's I/O on its members: reads (from one member; on a read error from another, and
 * the bad range rewritten), mirrored writes and trims (one protocol, {@link #mirrored}), flushes,
 * and the partial-block layer that lets a read or write start and end anywhere: a write that
 * covers part of a block reads the rest of the block and writes it whole (read-modify-write),
 * under the block's lock and inside the same sync-barrier section as the write.
 *
 * <p>Slot API: a request's bytes sit in its slot at {@code offset % 4096} (at 0 when aligned);
 * the whole blocks it touches must fit the slot. Nothing here allocates on success.
 */
final class MirroredIo {
    private static final Logger LOG = LoggerFactory.getLogger(MirroredIo.class);

    /** Smallest member I/O: 4 KiB (O_DIRECT's alignment for files and devices). */
    static final int BLOCK = DirectIo.ALIGN;

    private static final int OP_WRITE = IoSlot.WRITE;
    private static final int OP_TRIM = IoSlot.TRIM;
    /** Target of a client request: every member that takes writes. */
    private static final int ALL_MEMBERS = -1;

    private final String name;
    private final long sizeBytes;
    private final Members members;
    private final ArrayMetadata metadata;
    private final SyncBarrier barrier;
    /** The bitmap and the barrier unit, read once per request (grow swaps them). */
    private final BitmapHolder bitmaps;
    private final MemberFanout fanout;
    private final MemberManager failures;
    /** True while a sync pass runs or waits: reads then come from the pass's source only. */
    private final BooleanSupplier syncing;
    /** Read-only array: every write and trim refused, a read error is not rewritten, flush does nothing. */
    private final boolean readOnly;
    private final BlockLocks locks = new BlockLocks();
    private final AtomicInteger readRobin = new AtomicInteger();
    /** Client requests completed (not the array's own I/O: merges, repairs, member flushes). */
    private final IoCounters counters = new IoCounters();
    /** Each slot's write between its halves ({@link #begin}, {@link Span#end}). */
    private final Span[] spans;
    /** Each slot's asynchronous read ({@link #readAsync}). */
    private final ReadSpan[] readSpans;
    /** md's write-behind for write-mostly members with a port; null when the bitmap allows none. */
    private volatile BehindWrites behind;

    MirroredIo(String name, long sizeBytes, Members members, ArrayMetadata metadata,
            SyncBarrier barrier, BitmapHolder bitmaps, MemberFanout fanout, MemberManager failures,
            BooleanSupplier syncing, boolean readOnly) {
        this.name = name;
        this.readOnly = readOnly;
        this.sizeBytes = sizeBytes;
        this.members = members;
        this.metadata = metadata;
        this.barrier = barrier;
        this.bitmaps = bitmaps;
        this.fanout = fanout;
        this.failures = failures;
        this.syncing = syncing;
        this.spans = new Span[fanout.slotCount()];
        this.readSpans = new ReadSpan[spans.length];
        for (int i = 0; i < spans.length; i++) {
            spans[i] = new Span();
            readSpans[i] = new ReadSpan();
        }
    }

    /**
     * Turns on md's write-behind: up to {@code limit} writes may still be going to the
     * write-mostly members (those with a port of their own: remote members) after the others
     * acknowledged. Called once at assembly, before any I/O.
     */
    void writeBehind(int limit, boolean mutantEarlyRelease) {
        behind = limit <= 0 ? null : new BehindWrites(name, limit, fanout.members(), fanout, this::letGo,
                (mask, why) -> failures.failMembers(mask, why), mutantEarlyRelease);
    }

    /** Writes behind now (0 without write-behind). */
    int writesBehind() {
        BehindWrites b = behind;
        return b == null ? 0 : b.outstanding();
    }

    ArrayStatus.Io counters() {
        return counters.snapshot();
    }

    int maxIoBytes() {
        return fanout.slotBytes();
    }

    IoSlot acquireSlot() {
        return fanout.acquire();
    }

    void releaseSlot(IoSlot s) {
        fanout.release(s);
    }

    // ================================================================= checks

    private void checkRange(long offset, long length) throws ArrayException {
        if (offset < 0 || length < 0 || offset > sizeBytes || length > sizeBytes - offset) {
            throw new ArrayException("I/O at offset " + offset + " length " + length + " is outside the array of "
                    + sizeBytes + " bytes");
        }
    }

    /** The range is inside the array and the whole blocks it touches fit the slot. */
    private void checkSlot(IoSlot s, long offset, int length) throws ArrayException {
        checkRange(offset, length);
        long a0 = offset & ~(BLOCK - 1L);
        long a1 = (offset + length + BLOCK - 1) & ~(BLOCK - 1L);
        if (a1 - a0 > s.capacity()) {
            throw new ArrayException("I/O at offset " + offset + " length " + length + " does not fit a slot of "
                    + s.capacity() + " bytes");
        }
    }

    // ================================================================= writes

    private void checkWritable(String what, long offset) throws ArrayException {
        if (readOnly) {
            throw new ArrayException(what + " at " + offset + " refused: array " + name + " is read-only");
        }
    }

    /**
     * Writes {@code length} bytes at {@code offset}, any alignment, from the slot at
     * {@code offset % 4096}: returns once the data is on every active member (durable with
     * {@code fua}). The slot's bytes around the request are overwritten by the merge.
     */
    void write(IoSlot s, long offset, int length, boolean fua) throws ArrayException {
        writeSlot(s, offset, length, fua);
        // After the return: only a write acknowledged to the client counts.
        counters.write(length);
    }

    private void writeSlot(IoSlot s, long offset, int length, boolean fua) throws ArrayException {
        checkWritable("write", offset);
        checkSlot(s, offset, length);
        if (length == 0) {
            return;
        }
        if (((offset | length) & (BLOCK - 1)) == 0) {
            mirrored(OP_WRITE, s, offset, length, fua, ALL_MEMBERS, "write");
            return;
        }
        long firstBlock = offset / BLOCK;
        long lastBlock = (offset + length - 1) / BLOCK;
        // Partial blocks: their locks from before the read until after the write, taken before
        // safe mode and the barrier (a writer waiting here holds nothing a syncer waits for), in
        // table order (BlockLocks: no two writers wait crosswise).
        synchronized (locks.first(firstBlock, lastBlock)) {
            synchronized (locks.second(firstBlock, lastBlock)) {
                mirrored(OP_WRITE, s, offset, length, fua, ALL_MEMBERS, "write");
            }
        }
    }

    /** Discards whole blocks: they read back as zeroes on every member (durable with {@code fua}). */
    void trim(IoSlot s, long offset, long length, boolean fua) throws ArrayException {
        checkWritable("trim", offset);
        checkRange(offset, length);
        if (((offset | length) & (BLOCK - 1)) != 0) {
            throw new ArrayException("trim at offset " + offset + " length " + length + " is not 4 KiB aligned");
        }
        if (length == 0) {
            return;
        }
        mirrored(OP_TRIM, s, offset, length, fua, ALL_MEMBERS, "trim");
        counters.trim(length);
    }

    /**
     * The mirrored-write protocol, the one place it is written: safe mode, sync barrier, the
     * partial blocks merged, bitmap bits durable ({@link #begin}); the member operation; failed
     * members failed, bitmap end, barrier exit, safe mode exit ({@link Span#end}). {@code op} is
     * {@link #OP_WRITE} (the slot's blocks, FUA by the members) or {@link #OP_TRIM} (zeroes, then
     * a flush when {@code fua}). Here the calling thread waits for the members; {@link
     * #writeAsync} runs the same two halves around an asynchronous submission.
     *
     * @param target the members to write ({@link #ALL_MEMBERS}: every one that takes writes)
     * @param what names the request in the error when no member took it; null: no error (a
     *     repair, which is best effort)
     * @return the members that took it
     */
    private int mirrored(int op, IoSlot s, long offset, long length, boolean fua, int target, String what)
            throws ArrayException {
        Span sp = begin(op, s, offset, length, fua, target, what);
        int mask = sp.mask;
        int failed = 0;
        try {
            if (mask != 0) {
                if (op == OP_TRIM) {
                    failed = fanout.trim(s, sp.a0, sp.a1 - sp.a0, mask);
                    if (fua && failed != mask) {
                        failed |= fanout.flush(s, mask & ~failed);
                    }
                } else {
                    failed = fanout.write(s, sp.a0, (int) (sp.a1 - sp.a0), fua, mask);
                }
            }
        } catch (RuntimeException e) {
            // Never expected (the fan-out reports failures in its mask): the chunks stay NEEDED.
            sp.end(mask, false);
            throw e;
        }
        return sp.end(failed, true);
    }

    /**
     * Submits an aligned client write and returns; {@code done} runs when the members answered
     * and the write's end ran (on the thread that saw the last answer; a failure's end, which
     * writes superblocks, on a thread of its own). W1 holds as in {@link #write}: this returns
     * only after the chunks' bits are durable, and submits nothing before.
     *
     * @return false when the write is not for this path (unaligned: its partial blocks are
     *     locked by the writing thread; empty; or the members are written in turn): the caller
     *     uses {@link #write}, nothing was done
     * @throws ArrayException when the write was refused before anything was submitted
     */
    boolean writeAsync(IoSlot s, long offset, int length, boolean fua, RequestDone done) throws ArrayException {
        if (!fanout.asynchronous() || length == 0 || ((offset | length) & (BLOCK - 1)) != 0) {
            return false;
        }
        checkWritable("write", offset);
        checkSlot(s, offset, length);
        Span sp = begin(OP_WRITE, s, offset, length, fua, ALL_MEMBERS, "write");
        sp.done = done;
        try {
            fanout.submitWrite(s, sp.a0, (int) (sp.a1 - sp.a0), fua, sp.mask, sp);
        } catch (RuntimeException e) {
            // Never expected (the fan-out reports failures through the completion): what begin
            // holds is let go, the chunks stay NEEDED, and the caller hears of it.
            sp.end(0, false);
            throw e;
        }
        return true;
    }

    /**
     * The first half of {@link #mirrored}: on return the request is inside safe mode and the
     * barrier, its blocks merged, its bits durable (W1), and {@code span.mask} holds the members
     * to write. On an exception nothing is held.
     */
    private Span begin(int op, IoSlot s, long offset, long length, boolean fua, int target, String what)
            throws ArrayException {
        // Before safe mode, the barrier and the bitmap: a read-only array changes nothing.
        checkWritable(what == null ? "write" : what, offset);
        long a0 = offset & ~(BLOCK - 1L);
        long end = offset + length;
        long a1 = (end + BLOCK - 1) & ~(BLOCK - 1L);
        // Safe mode first: "active" is on disk before any member differs (Dekker in ArrayMetadata).
        metadata.enterWrite(true);
        boolean entered = false;
        BitmapHolder.Active act;
        long firstUnit = 0;
        long lastUnit = -1;
        try {
            // SyncBarrier.enter is not reentrant against a waiting syncer: one section per request,
            // the merge read included.
            while (true) {
                act = bitmaps.active();
                firstUnit = a0 / act.unitBytes();
                lastUnit = (a1 - 1) / act.unitBytes();
                barrier.enter(firstUnit, lastUnit);
                if (bitmaps.active() == act) {
                    break;
                }
                // A grow swapped the bitmap while this request waited at the suspended barrier:
                // its units were counted in the old unit size and it would mark the old bitmap.
                barrier.exit(firstUnit, lastUnit);
            }
            entered = true;
            WriteIntentBitmap bitmap = act.bitmap();
            if (a0 != offset || a1 != end) {
                // Under the barrier: a sync pass cannot copy these units between the read of
                // the old bytes and the write of the merged block.
                merge(s, a0, a1, offset, end);
            }
            if (bitmap != null) {
                // W1: returns only when the chunks' bits are durable in every bitmap copy.
                bitmap.startWrite(firstUnit, lastUnit);
            }
            int writable = members.current().writeMask;
            Span sp = spans[s.index()];
            sp.bitmap = bitmap;
            sp.firstUnit = firstUnit;
            sp.lastUnit = lastUnit;
            sp.a0 = a0;
            sp.a1 = a1;
            sp.offset = offset;
            sp.length = length;
            sp.what = what;
            sp.mask = target == ALL_MEMBERS ? writable : target & writable;
            sp.done = null;
            sp.behindEntry = null;
            if (op == OP_WRITE && target == ALL_MEMBERS) {
                goBehind(sp, s, fua);
            }
            return sp;
        } catch (ArrayException | RuntimeException e) {
            if (entered) {
                barrier.exit(firstUnit, lastUnit);
            }
            metadata.exitWrite(true);
            throw e;
        }
    }

    /**
     * md's write-behind for a client write: the in-sync write-mostly members that take requests
     * themselves get their copy through {@link BehindWrites}, and leave the span's mask, so the
     * request is acknowledged when the others have it. Only when another member takes the write
     * (md: with no other copy the write is not acknowledged early). In begin: the bits are
     * durable and the barrier held, which the behind write keeps until it ends.
     */
    private void goBehind(Span sp, IoSlot s, boolean fua) {
        BehindWrites b = behind;
        if (b == null || sp.bitmap == null) {
            return;
        }
        int wm = members.current().writeMostlyMask & sp.mask;
        int mask = 0;
        for (int rest = wm; rest != 0; rest &= rest - 1) {
            int m = Integer.numberOfTrailingZeros(rest);
            if (fanout.port(m) != null) {
                mask |= 1 << m;
            }
        }
        if (mask == 0 || (sp.mask & ~mask) == 0) {
            return;
        }
        sp.behindEntry = b.start(s, sp.a0, (int) (sp.a1 - sp.a0), fua, mask, sp.bitmap, sp.firstUnit, sp.lastUnit);
        sp.mask &= ~mask;
    }

    /**
     * The end of a mirrored write once every member answered (those behind included): the
     * bitmap told (a failed or degraded write leaves its chunks NEEDED, W4), barrier and safe
     * mode left.
     */
    private void letGo(WriteIntentBitmap bitmap, long firstUnit, long lastUnit, boolean ok) {
        try {
            try {
                if (bitmap != null) {
                    bitmap.endWrite(firstUnit, lastUnit, ok);
                }
            } finally {
                barrier.exit(firstUnit, lastUnit);
            }
        } finally {
            metadata.exitWrite(true);
        }
    }

    /**
     * A mirrored write between its two halves: what the end needs. One per slot, reused (a slot
     * carries one request at a time), so neither half allocates.
     */
    private final class Span implements IoSlot.Completion {
        WriteIntentBitmap bitmap;
        long firstUnit;
        long lastUnit;
        long a0;
        long a1;
        long offset;
        long length;
        String what;
        int mask;
        /** The asynchronous write's submitter, told at the end; null for {@link #mirrored}. */
        RequestDone done;
        /** The write's copy going on behind to write-mostly members, or null. */
        BehindWrites.Entry behindEntry;

        /**
         * The second half: failed members failed (before anything is acknowledged), the bitmap
         * told (a failed or degraded write leaves its chunks NEEDED, W4), barrier and safe mode
         * left.
         *
         * @param failed the members that failed
         * @param ok false when the request broke off (the chunks stay NEEDED)
         * @return the members that took it
         * @throws ArrayException when none did and the request is a client's
         */
        int end(int failed, boolean ok) throws ArrayException {
            BehindWrites.Entry b = behindEntry;
            behindEntry = null;
            try {
                if (failed != 0) {
                    // Before the reply: the superblocks must say these members failed, else a
                    // crash could bring their stale copy back as in sync.
                    failures.failMembers(failed, what == null ? "read error that could not be rewritten"
                            : what + " error");
                }
            } finally {
                boolean good = ok && mask != 0 && failed == 0;
                if (b != null) {
                    // The write behind holds the bits, the barrier and safe mode until it ends too.
                    behind.firstHalfEnded(b, good);
                } else {
                    letGo(bitmap, firstUnit, lastUnit, good);
                }
            }
            int took = mask & ~failed;
            if (took == 0 && what != null) {
                throw new ArrayException(what + " at " + offset + " failed on every member", cause(failed));
            }
            return took;
        }

        /** The members answered an asynchronous write (any thread). */
        @Override
        public void completed(IoSlot s, int failed) {
            if (failed != 0) {
                // Failing a member writes superblocks and may wait on the manage lock, whose
                // holder may be waiting for writes in flight (a grow's barrier): not on the
                // thread that completes them. Failures are rare; a thread each costs nothing.
                Thread t = new Thread(() -> finish(s, failed), name + "-write-failure");
                t.setDaemon(true);
                t.start();
                return;
            }
            finish(s, 0);
        }

        private void finish(IoSlot s, int failed) {
            RequestDone d = done;
            long n = length;
            ArrayException error = null;
            try {
                end(failed, true);
                // After the end: only a write acknowledged to the client counts.
                counters.write(n);
            } catch (ArrayException e) {
                error = e;
            } catch (RuntimeException e) {
                error = new ArrayException("write at " + offset + ": " + e, e);
            }
            d.ended(s, error);
        }
    }

    private Exception cause(int failed) {
        return failed == 0 ? null : fanout.lastException(Integer.numberOfTrailingZeros(failed));
    }

    /**
     * Fills the slot's first and last block around {@code [offset, end)} with the bytes on the
     * members (one read each, one if they are the same block). Inside the barrier section.
     */
    private void merge(IoSlot s, long a0, long a1, long offset, long end) throws ArrayException {
        // Whatever limit the caller left (a receive up to the payload's end): the merge writes around it.
        ByteBuffer d = s.data().clear();
        ByteBuffer b = s.block();
        int head = (int) (offset - a0);
        if (head != 0) {
            readBlock(a0, b);
            d.put(0, b, 0, head);
        }
        if (end != a1) {
            long last = a1 - BLOCK;
            if (last != a0 || head == 0) {
                readBlock(last, b);
            }
            int from = (int) (end - last);
            d.put((int) (last - a0) + from, b, from, BLOCK - from);
        }
    }

    /** One block from one member that may be read, the next on error. */
    private void readBlock(long at, ByteBuffer b) throws ArrayException {
        MemberSet set = members.current();
        int candidates = readCandidates(set);
        IOException last = null;
        for (int m = candidates; m != 0; m &= m - 1) {
            int member = Integer.numberOfTrailingZeros(m);
            awaitBehind(member);
            try {
                b.clear();
                fanout.device(member).read(at, b);
                return;
            } catch (IOException e) {
                last = e;
                LOG.warn("{}: read error on {} at {}: {}", name, set.path(member), at, e.getMessage());
            }
        }
        throw new ArrayException("read at " + at + " for a partial-block write failed on every member", last);
    }

    /** During a sync pass only its source may be read (the others may differ); else the read mask. */
    private int readCandidates(MemberSet set) {
        int candidates = syncing.getAsBoolean() ? set.sourceMask() : set.readMask;
        return candidates != 0 ? candidates : set.inSyncMask;
    }

    // ================================================================= reads

    /**
     * Reads {@code length} bytes at {@code offset}, any alignment: the whole blocks it touches go
     * to the slot from 0, so the bytes asked for sit at {@code offset % 4096}. From one in-sync
     * member; on a read error from another, and the bad range is rewritten on the member that
     * failed from the good copy.
     */
    void read(IoSlot s, long offset, int length) throws ArrayException {
        readSlot(s, offset, length);
        counters.read(length);
    }

    private void readSlot(IoSlot s, long offset, int length) throws ArrayException {
        checkSlot(s, offset, length);
        if (length == 0) {
            return;
        }
        long a0 = offset & ~(BLOCK - 1L);
        int n = (int) (((offset + length + BLOCK - 1) & ~(BLOCK - 1L)) - a0);
        int candidates = readCandidates(members.current());
        if (candidates == 0) {
            throw new ArrayException("read at " + offset + ": no member in sync");
        }
        int m = pick(candidates);
        awaitBehind(m);
        readFrom(s, offset, length, a0, n, m, 0);
    }

    /**
     * A read from a write-mostly member (no other member is in sync) waits until no write is
     * behind, as md's does: its copy may be older than what was acknowledged.
     */
    private void awaitBehind(int m) {
        BehindWrites b = behind;
        if (b != null && (members.current().writeMostlyMask & (1 << m)) != 0) {
            b.awaitNone();
        }
    }

    /**
     * Reads the blocks {@code [a0, a0 + n)} from member {@code m}, and on an error from the
     * other in-sync members not in {@code tried} in turn; the range is then rewritten on the
     * members that failed. One loop for the waiting read and an asynchronous read's failure.
     */
    private void readFrom(IoSlot s, long offset, int length, long a0, int n, int m, int tried) throws ArrayException {
        while (true) {
            try {
                fanout.read(s, m, a0, n);
                if (tried != 0 && !readOnly) {
                    // Read-only: md leaves the bad range alone (IO_BLOCKED), and so do we.
                    repair(s, tried, a0, n);
                }
                return;
            } catch (IOException e) {
                tried |= 1 << m;
                m = nextAfterReadError(m, tried, offset, e);
            }
        }
    }

    /**
     * After a read error on member {@code m}: said in the log, the member failed if it shrank,
     * and the next in-sync member not yet tried.
     *
     * @throws ArrayException when none is left
     */
    private int nextAfterReadError(int m, int tried, long offset, Exception e) throws ArrayException {
        LOG.warn("{}: read error on {} at {}: {}", name, members.current().path(m), offset, e.getMessage());
        // A short read may mean the member shrank: then it is failed, never repaired.
        failures.failShrunk(1 << m);
        int rest = members.current().inSyncMask & ~tried;
        if (rest == 0) {
            throw new ArrayException("read at " + offset + " failed on every member: " + e.getMessage(), e);
        }
        return Integer.numberOfTrailingZeros(rest);
    }

    /**
     * Submits an aligned read of one slot's worth to one in-sync member and returns; {@code done}
     * runs when the data is in the slot (on the thread that saw the answer). A read error or a
     * member that did not answer in time is retried from the other members, and the range
     * rewritten on the one that failed, as {@link #read} does, on a thread of its own.
     *
     * @return false when the read is not for this path (unaligned, empty, or the members are
     *     read in turn): nothing was done, the caller uses {@link #read}
     */
    boolean readAsync(IoSlot s, long offset, int length, RequestDone done) throws ArrayException {
        if (!fanout.asynchronous() || length == 0 || ((offset | length) & (BLOCK - 1)) != 0) {
            return false;
        }
        checkSlot(s, offset, length);
        int candidates = readCandidates(members.current());
        if (candidates == 0) {
            throw new ArrayException("read at " + offset + ": no member in sync");
        }
        ReadSpan r = readSpans[s.index()];
        r.offset = offset;
        r.length = length;
        r.member = pick(candidates);
        awaitBehind(r.member);
        r.done = done;
        fanout.submitRead(s, r.member, offset, length, r);
        return true;
    }

    /** An asynchronous read in flight: one per slot, reused. */
    private final class ReadSpan implements IoSlot.Completion {
        long offset;
        int length;
        int member;
        RequestDone done;

        @Override
        public void completed(IoSlot s, int failed) {
            if (failed == 0) {
                counters.read(length);
                done.ended(s, null);
                return;
            }
            // The retry reads and may rewrite the range (a mirrored write): it waits, so not on
            // the thread that completes other requests. Read errors are rare.
            int silent = s.timedOut();
            Thread t = new Thread(() -> retry(s, silent), name + "-read-retry");
            t.setDaemon(true);
            t.start();
        }

        private void retry(IoSlot s, int silent) {
            RequestDone d = done;
            ArrayException error = null;
            try {
                if (silent != 0) {
                    // A member that did not answer in time is failed, as for a write, never
                    // rewritten: the kernel may still hold its read.
                    failures.failMembers(silent, "read timeout");
                }
                Exception why = fanout.lastException(member);
                int m = nextAfterReadError(member, 1 << member, offset, why != null ? why : new IOException("I/O error"));
                readFrom(s, offset, length, offset, length, m, 1 << member);
                counters.read(length);
            } catch (ArrayException e) {
                error = e;
            } catch (RuntimeException e) {
                error = new ArrayException("read at " + offset + ": " + e, e);
            }
            d.ended(s, error);
        }
    }

    /** Rewrites a range that failed to read on {@code bad} members from the good data in the slot. */
    private void repair(IoSlot s, int bad, long offset, int length) throws ArrayException {
        // Writing past the end of a member that shrank would extend it with holes that read
        // as zeroes, and call that repaired: such a member is failed instead.
        int target = bad & ~failures.failShrunk(bad) & members.current().writeMask;
        if (target == 0) {
            return;
        }
        if (mirrored(OP_WRITE, s, offset, length, false, target, null) == target) {
            LOG.info("{}: rewrote {} bytes at {} after a read error", name, length, offset);
        }
    }

    private int pick(int mask) {
        int n = Integer.bitCount(mask);
        int k = Math.floorMod(readRobin.getAndIncrement(), n);
        int m = mask;
        for (int i = 0; i < k; i++) {
            m &= m - 1;
        }
        return Integer.numberOfTrailingZeros(m);
    }

    // ================================================================= flush

    /**
     * Flushes every member that takes writes: when this returns, every write completed before the
     * call is durable. Also tells the bitmap (lazy clearing may then clear idle chunks, W2).
     */
    void flush(IoSlot s) throws ArrayException {
        memberFlush(s);
        counters.flush();
    }

    /** A client's flush ({@link #flush(IoSlot)}) with a slot of its own; counted. */
    void flush() throws ArrayException {
        IoSlot s = acquireSlot();
        try {
            flush(s);
        } finally {
            releaseSlot(s);
        }
    }

    /**
     * The array's own flush (the bitmap daemon's, the housekeeper's before "clean", the stop's):
     * as {@link #flush(IoSlot)}, not counted as a client request.
     */
    void memberFlush() throws ArrayException {
        IoSlot s = acquireSlot();
        try {
            memberFlush(s);
        } finally {
            releaseSlot(s);
        }
    }

    private void memberFlush(IoSlot s) throws ArrayException {
        if (readOnly) {
            // Nothing was written: nothing to make durable, and no member is touched.
            return;
        }
        // One read: a flush racing a grow tells the bitmap it took its ticket from.
        WriteIntentBitmap bitmap = bitmaps.bitmap();
        long ticket = bitmap != null ? bitmap.flushTicket() : 0;
        int mask = members.current().writeMask;
        int failed = fanout.flush(s, mask);
        if (failed != 0) {
            failures.failMembers(failed, "flush error");
        }
        if ((mask & ~failed) == 0) {
            throw new ArrayException("flush failed on every member", cause(failed));
        }
        if (bitmap != null && failed == 0) {
            bitmap.membersFlushed(ticket);
        }
    }

    // ================================================================= any buffer

    /** Writes all of {@code src}'s remaining bytes at {@code offset} (any alignment), slot by slot. */
    void write(long offset, ByteBuffer src, boolean fua) throws ArrayException {
        checkWritable("write", offset);
        // The whole request first: nothing is written unless all of it is inside the array.
        checkRange(offset, src.remaining());
        IoSlot s = acquireSlot();
        try {
            long at = offset;
            while (src.hasRemaining()) {
                int head = (int) (at & (BLOCK - 1));
                int n = Math.min(src.remaining(), s.capacity() - head);
                s.data().clear().put(head, src, src.position(), n);
                writeSlot(s, at, n, fua);
                src.position(src.position() + n);
                at += n;
            }
            // One request however many slots it took.
            counters.write(at - offset);
        } finally {
            releaseSlot(s);
        }
    }

    /** Fills {@code dst}'s remaining bytes from {@code offset} (any alignment), slot by slot. */
    void read(long offset, ByteBuffer dst) throws ArrayException {
        checkRange(offset, dst.remaining());
        IoSlot s = acquireSlot();
        try {
            long at = offset;
            while (dst.hasRemaining()) {
                int head = (int) (at & (BLOCK - 1));
                int n = Math.min(dst.remaining(), s.capacity() - head);
                readSlot(s, at, n);
                dst.put(dst.position(), s.data().clear(), head, n);
                dst.position(dst.position() + n);
                at += n;
            }
            counters.read(at - offset);
        } finally {
            releaseSlot(s);
        }
    }

    void trim(long offset, long length) throws ArrayException {
        IoSlot s = acquireSlot();
        try {
            trim(s, offset, length, false);
        } finally {
            releaseSlot(s);
        }
    }
}
