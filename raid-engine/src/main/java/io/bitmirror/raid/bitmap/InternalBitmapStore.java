package io.bitmirror.raid.bitmap;

import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;
import io.bitmirror.raid.io.IoSlot;
import io.bitmirror.raid.io.MemberFanout;
import io.bitmirror.raid.io.MemberIoMode;
import io.bitmirror.raid.member.MemberDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The bitmap area of every present member. A page write goes to every member of the current
 * {@link BitmapCopies} snapshot at once, through a {@link MemberFanout} of its own over the
 * members' whole devices (the bitmap sits outside the data area) that works as the data's does
 * (Linux AIO, I/O threads, or in turn: the array's {@code --member-io}): the page is copied into
 * one of the fan-out's slots and submitted, the flusher submits the next, and each page's
 * completion lowers the engine's pending-write counter (md's {@code pending_writes}), which the
 * flusher waits on before it flushes the copies, also all at once. Page writes and flushes are
 * bounded by the member time-out like data writes. A member whose copy fails is reported to the
 * {@link CopyFailureHandler}, which fails the member (as md does). The write counts as done
 * while at least one copy took it; only when no copy is left is the write reported failed (the
 * engine then marks the bitmap stale).
 *
 * <p>The store changes {@code src}'s position and limit while writing (the engine hands it a
 * snapshot that nobody else touches until the write completed).
 */
public final class InternalBitmapStore implements BitmapStore {

    /** Told when a member's bitmap copy failed; returns true when the member was failed (dropped). */
    @FunctionalInterface
    public interface CopyFailureHandler {
        boolean copyFailed(int member, IOException error);
    }

    /** Members a fan-out can hold at most (md's RAID-1 has no more in one set here). */
    private static final int MEMBERS = 31;

    private final Supplier<? extends BitmapCopies> copies;
    /** The page writes' and flushes' way to the copies; its slots hold the pages in flight. */
    private final MemberFanout fanout;
    /** Per slot: the end of one page write (preallocated: a page write allocates nothing). */
    private final PageEnd[] ends;
    private final long start;
    private final long sizeBytes;
    private final CopyFailureHandler onFailure;
    /** Each copy's last error, by member, for the failure handler. */
    private final Exception[] errors = new Exception[32];
    /**
     * @param copies the current member snapshot: who holds a copy, and their devices
     * @param startBytes byte offset of the bitmap on every member
     * @param roomBytes bytes reserved for it
     * @param onFailure told of every copy that failed (from the flusher thread)
     */
    public InternalBitmapStore(Supplier<? extends BitmapCopies> copies, long startBytes, long roomBytes,
            CopyFailureHandler onFailure) {
        this(copies, startBytes, roomBytes, onFailure, MemberIoMode.INLINE, 0, "bitmap");
    }

    /**
     * @param mode how the copies are written ({@link MemberIoMode#AUTO}: AIO unless the kernel
     *     would complete in {@code io_submit} anyway, as for data)
     * @param timeoutMillis a copy that does not answer a page write or flush in time fails (0:
     *     no limit)
     * @param name for thread names and log lines
     */
    public InternalBitmapStore(Supplier<? extends BitmapCopies> copies, long startBytes, long roomBytes,
            CopyFailureHandler onFailure, MemberIoMode mode, long timeoutMillis, String name) {
        this.copies = copies;
        this.start = startBytes;
        this.sizeBytes = roomBytes;
        this.onFailure = onFailure;
        BitmapCopies set = copies.get();
        MemberDevice[] devices = new MemberDevice[MEMBERS];
        for (int mask = set.copyMask(); mask != 0; mask &= mask - 1) {
            int m = Integer.numberOfTrailingZeros(mask);
            devices[m] = set.device(m);
        }
        int slots = (int) Math.max(1, Math.min(MemberFanout.MAX_SLOTS, roomBytes / BitmapGeometry.PAGE_SIZE));
        this.fanout = new MemberFanout(devices, slots, BitmapGeometry.PAGE_SIZE, name, mode, timeoutMillis);
        this.ends = new PageEnd[slots];
        for (int i = 0; i < slots; i++) {
            ends[i] = new PageEnd();
        }
    }

    /** Threads of the page writes (completion, watchdog, I/O threads), for allocation checks. */
    public Thread[] threads() {
        return fanout.threads();
    }

    /** How the copies are written: AIO, THREADS or INLINE. */
    public MemberIoMode mode() {
        return fanout.mode();
    }

    /**
     * Makes the fan-out's devices those of {@code set} for the members of {@code mask}: a member
     * re-added since has a new device. Nothing changes (nothing allocated) when none was.
     */
    private void follow(BitmapCopies set, int mask) {
        for (int rest = mask; rest != 0; rest &= rest - 1) {
            int m = Integer.numberOfTrailingZeros(rest);
            if (fanout.device(m) != set.device(m)) {
                // No page write may be out to the old device when it goes: its late answer
                // would be dropped, and the page would wait for the watchdog (or forever).
                fanout.awaitIdle();
                fanout.replace(m, set.device(m));
            }
        }
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    /**
     * Reads the page from every copy and merges them: bits are OR-ed (a chunk dirty in any copy
     * is dirty: a copy may have missed a page write just before its member failed), and the
     * superblock takes the lowest events of all copies (an older copy makes the whole bitmap
     * suspect, W3). Used at load, never on the write path.
     */
    @Override
    public void readPage(int page, ByteBuffer dst) throws IOException {
        int start0 = dst.position();
        int len = dst.remaining();
        IOException last = null;
        boolean have = false;
        ByteBuffer scratch = io.bitmirror.raid.device.DirectIo.allocate(BitmapGeometry.PAGE_SIZE);
        BitmapCopies set = copies.get();
        for (int mask = set.copyMask(); mask != 0; mask &= mask - 1) {
            int m = Integer.numberOfTrailingZeros(mask);
            scratch.clear().limit(len);
            try {
                readRounded(set.device(m), start + (long) page * BitmapGeometry.PAGE_SIZE, scratch);
            } catch (IOException e) {
                last = e;
                continue;
            }
            if (!have) {
                dst.put(start0, scratch, 0, len);
                have = true;
                continue;
            }
            int from = page == 0 ? io.bitmirror.bitmap.format.BitmapSuperblockLayout.LENGTH : 0;
            for (int i = from; i < len; i++) {
                dst.put(start0 + i, (byte) (dst.get(start0 + i) | scratch.get(i)));
            }
            if (page == 0) {
                io.bitmirror.bitmap.format.BitmapSuperblock a = new io.bitmirror.bitmap.format.BitmapSuperblock()
                        .wrap(dst, start0);
                io.bitmirror.bitmap.format.BitmapSuperblock b = new io.bitmirror.bitmap.format.BitmapSuperblock()
                        .wrap(scratch, 0);
                if (Long.compareUnsigned(b.events(), a.events()) < 0) {
                    a.events(b.events());
                }
                a.state(a.state() | b.state());
            }
        }
        if (!have) {
            throw last != null ? last : new IOException("no member holds a bitmap copy");
        }
        dst.position(start0 + len);
    }

    /** O_DIRECT needs whole blocks: read the whole page into a scratch page, copy what was asked. */
    private static void readRounded(MemberDevice dev, long at, ByteBuffer dst) throws IOException {
        int want = dst.remaining();
        if (dst.isDirect() && want % BitmapGeometry.PAGE_SIZE == 0 && (dst.position() % BitmapGeometry.PAGE_SIZE) == 0) {
            dev.read(at, dst);
            return;
        }
        ByteBuffer scratch = io.bitmirror.raid.device.DirectIo.allocate(BitmapGeometry.PAGE_SIZE);
        scratch.limit(BitmapGeometry.PAGE_SIZE);
        dev.read(at, scratch);
        scratch.flip().limit(want);
        dst.put(scratch);
    }

    @Override
    public synchronized void writePage(int page, ByteBuffer src, int length, PendingWrites pending) {
        // Whole pages for O_DIRECT (the JDK wants the file system's block size, 4 KiB); the
        // snapshot buffer is a full page, zero beyond the image, and the room is whole pages.
        pending.begin();
        BitmapCopies set = copies.get();
        int mask = set.copyMask();
        if (mask == 0) {
            pending.end(false);
            return;
        }
        follow(set, mask);
        // Waits only while every slot holds a page in flight; their completions free them.
        IoSlot s = fanout.acquire();
        src.limit(BitmapGeometry.PAGE_SIZE).position(0);
        s.data().clear().put(src);
        PageEnd e = ends[s.index()];
        e.pending = pending;
        e.mask = mask;
        fanout.submitWrite(s, start + (long) page * BitmapGeometry.PAGE_SIZE, BitmapGeometry.PAGE_SIZE, false, mask, e);
    }

    /** The end of one page write, on the thread that saw the last copy answer. */
    private final class PageEnd implements IoSlot.Completion {
        PendingWrites pending;
        int mask;

        @Override
        public void completed(IoSlot s, int failed) {
            PendingWrites p = pending;
            int m = mask;
            if (failed == 0) {
                fanout.release(s);
                p.end(true);
                return;
            }
            for (int rest = failed; rest != 0; rest &= rest - 1) {
                int f = Integer.numberOfTrailingZeros(rest);
                errors[f] = fanout.lastException(f);
            }
            fanout.release(s);
            // Dropping a copy fails its member: superblock writes, the manage lock. Not on the
            // thread that completes other I/O; the count goes down only after the member is
            // failed, so the flusher's commit sees the outcome. Failures are rare.
            Thread t = new Thread(() -> p.end((m & ~failed) != 0 && dropped(failed)), "bitmap-copy-failure");
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        BitmapCopies set = copies.get();
        int mask = set.copyMask();
        follow(set, mask);
        int failed;
        IoSlot s = fanout.acquire();
        try {
            // Every copy at once (one FDSYNC each with AIO).
            failed = fanout.flush(s, mask);
        } finally {
            fanout.release(s);
        }
        for (int rest = failed; rest != 0; rest &= rest - 1) {
            int f = Integer.numberOfTrailingZeros(rest);
            errors[f] = fanout.lastException(f);
        }
        if (!dropped(failed) || (mask & ~failed) == 0) {
            Exception e = failed == 0 ? null : errors[Integer.numberOfTrailingZeros(failed)];
            throw e instanceof IOException io ? io : new IOException("no member holds a bitmap copy", e);
        }
    }

    /**
     * Reports every failed copy to the handler; false when one of them could not be dropped (the
     * last member in sync), so the write must count as failed.
     */
    private boolean dropped(int failed) {
        boolean all = true;
        for (int rest = failed; rest != 0; rest &= rest - 1) {
            int m = Integer.numberOfTrailingZeros(rest);
            Exception e = errors[m];
            all &= onFailure.copyFailed(m, e instanceof IOException io ? io : new IOException(String.valueOf(e), e));
        }
        return all;
    }

    @Override
    public void close() {
        // The members belong to the array: only the fan-out's threads and context end here.
        fanout.close();
    }
}
