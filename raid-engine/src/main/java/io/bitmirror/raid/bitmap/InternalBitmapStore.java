package io.bitmirror.raid.bitmap;

import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.store.BitmapStore;
import io.bitmirror.bitmap.store.PendingWrites;
import io.bitmirror.raid.member.MemberDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bitmap area of every present member. A page write goes to every member in the copy mask,
 * one after the other from the flusher thread; a member whose copy fails is reported to the
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

    private final MemberDevice[] members;
    private final long start;
    private final long sizeBytes;
    private final AtomicInteger copyMask;
    private final CopyFailureHandler onFailure;

    /**
     * @param members devices by position (null where missing)
     * @param startBytes byte offset of the bitmap on every member
     * @param roomBytes bytes reserved for it
     * @param copyMask members that hold a current copy (the array keeps it up to date)
     */
    public InternalBitmapStore(MemberDevice[] members, long startBytes, long roomBytes, AtomicInteger copyMask,
            CopyFailureHandler onFailure) {
        this.members = members;
        this.start = startBytes;
        this.sizeBytes = roomBytes;
        this.copyMask = copyMask;
        this.onFailure = onFailure;
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
        for (int mask = copyMask.get(); mask != 0; mask &= mask - 1) {
            int m = Integer.numberOfTrailingZeros(mask);
            scratch.clear().limit(len);
            try {
                readRounded(members[m], start + (long) page * BitmapGeometry.PAGE_SIZE, scratch);
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
    public void writePage(int page, ByteBuffer src, int length, PendingWrites pending) {
        long at = start + (long) page * BitmapGeometry.PAGE_SIZE;
        // Whole pages for O_DIRECT (the JDK wants the file system's block size, 4 KiB); the
        // snapshot buffer is a full page, zero beyond the image, and the room is whole pages.
        int len = BitmapGeometry.PAGE_SIZE;
        pending.begin();
        int wrote = 0;
        for (int mask = copyMask.get(); mask != 0; mask &= mask - 1) {
            int m = Integer.numberOfTrailingZeros(mask);
            src.limit(len).position(0);
            try {
                members[m].write(at, src, false);
                wrote++;
            } catch (IOException e) {
                if (!onFailure.copyFailed(m, e)) {
                    wrote = -1_000;
                }
            }
        }
        pending.end(wrote > 0);
    }

    @Override
    public void flush() throws IOException {
        int ok = 0;
        IOException last = null;
        for (int mask = copyMask.get(); mask != 0; mask &= mask - 1) {
            int m = Integer.numberOfTrailingZeros(mask);
            try {
                members[m].flush();
                ok++;
            } catch (IOException e) {
                last = e;
                if (!onFailure.copyFailed(m, e)) {
                    throw e;
                }
            }
        }
        if (ok == 0) {
            throw last != null ? last : new IOException("no member holds a bitmap copy");
        }
    }

    @Override
    public void close() {
        // The members belong to the array.
    }
}
