package io.bitmirror.raid.bitmap;

import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;
import io.bitmirror.raid.io.Broadcast;
import io.bitmirror.raid.member.MemberDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The bitmap area of every present member. A page write goes to every member of the current
 * {@link BitmapCopies} snapshot, one after the other from the flusher thread ({@link Broadcast});
 * a member whose copy fails is reported to the
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

    private final Supplier<? extends BitmapCopies> copies;
    private final long start;
    private final long sizeBytes;
    private final CopyFailureHandler onFailure;
    /** Each copy's last error, by member (flusher thread). */
    private final Exception[] errors = new Exception[32];
    /** Where the page being written goes, and to whom (under the store's lock, read by {@link #pageWrite}). */
    private long pageAt;
    private final Broadcast.MemberOp<ByteBuffer> pageWrite = (m, src) -> {
        src.limit(BitmapGeometry.PAGE_SIZE).position(0);
        copy(m).write(pageAt, src, false);
    };
    private final Broadcast.MemberOp<BitmapCopies> flushOne = (m, set) -> set.device(m).flush();
    private BitmapCopies writing;

    /**
     * @param copies the current member snapshot: who holds a copy, and their devices
     * @param startBytes byte offset of the bitmap on every member
     * @param roomBytes bytes reserved for it
     * @param onFailure told of every copy that failed (from the flusher thread)
     */
    public InternalBitmapStore(Supplier<? extends BitmapCopies> copies, long startBytes, long roomBytes,
            CopyFailureHandler onFailure) {
        this.copies = copies;
        this.start = startBytes;
        this.sizeBytes = roomBytes;
        this.onFailure = onFailure;
    }

    private MemberDevice copy(int m) {
        return writing.device(m);
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
        writing = set;
        pageAt = start + (long) page * BitmapGeometry.PAGE_SIZE;
        int mask = set.copyMask();
        int failed = Broadcast.toEach(mask, pageWrite, src, errors);
        pending.end(mask != 0 && (mask & ~failed) != 0 && dropped(failed));
    }

    @Override
    public void flush() throws IOException {
        BitmapCopies set = copies.get();
        int mask = set.copyMask();
        int failed = Broadcast.toEach(mask, flushOne, set, errors);
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
        // The members belong to the array.
    }
}
