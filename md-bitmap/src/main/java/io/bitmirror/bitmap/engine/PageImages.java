package io.bitmirror.bitmap.engine;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The bitmap's pages in memory: one live image that writers and the daemon change (superblock
 * plus bits, contiguous, like the disk) and one snapshot buffer per page that only the flusher
 * fills, and only while that page is not being written (W6, stable pages).
 *
 * <p>Also the dirty-page list of the open epoch. Not thread-safe: every method except the
 * read-only accessors is called with the engine lock held.
 */
final class PageImages {
    private static final int PAGE = BitmapGeometry.PAGE_SIZE;
    /** Bits start right after the 256-byte superblock, at byte 256 of page 0. */
    static final int BITS_BASE = BitmapSuperblockLayout.LENGTH;

    private final ByteBuffer live;
    private final ByteBuffer[] snapshots;
    private final ByteBuffer[] liveSlices;
    private final int[] writeLength;
    private final boolean[] dirty;
    private final int[] dirtyList;
    private int dirtyCount;
    private final int pages;

    /**
     * @param imageBytes superblock plus bits, not rounded
     * @param storeBytes bytes the store can hold; a page write never goes past it
     */
    PageImages(long imageBytes, long storeBytes) {
        this.pages = (int) ((imageBytes + PAGE - 1) / PAGE);
        this.live = ByteBuffer.allocateDirect(pages * PAGE).order(ByteOrder.LITTLE_ENDIAN);
        // Page-aligned: stores write snapshots with O_DIRECT, which needs aligned memory.
        ByteBuffer snap = ByteBuffer.allocateDirect(pages * PAGE + PAGE).alignedSlice(PAGE);
        this.snapshots = new ByteBuffer[pages];
        this.liveSlices = new ByteBuffer[pages];
        this.writeLength = new int[pages];
        // md writes whole pages but never past the end of the bitmap: the last page is cut at the
        // last bit byte, rounded up to a sector (512 bytes) so direct I/O stores can take it.
        long end = Math.min(storeBytes, (imageBytes + BitmapGeometry.SECTOR - 1) / BitmapGeometry.SECTOR
                * BitmapGeometry.SECTOR);
        end = Math.max(end, imageBytes);
        for (int p = 0; p < pages; p++) {
            snapshots[p] = snap.slice(p * PAGE, PAGE).order(ByteOrder.LITTLE_ENDIAN);
            liveSlices[p] = live.slice(p * PAGE, PAGE).order(ByteOrder.LITTLE_ENDIAN);
            writeLength[p] = (int) Math.min(PAGE, end - (long) p * PAGE);
        }
        this.dirty = new boolean[pages];
        this.dirtyList = new int[pages];
    }

    int pages() {
        return pages;
    }

    /** The live image: superblock at 0, bits at {@link #BITS_BASE}. */
    ByteBuffer live() {
        return live;
    }

    ByteBuffer snapshot(int page) {
        return snapshots[page];
    }

    /** The live image of one page; only the W6 mutant hands it to the store. */
    ByteBuffer liveSlice(int page) {
        return liveSlices[page];
    }

    int writeLength(int page) {
        return writeLength[page];
    }

    static int pageOf(long chunk) {
        return (int) ((BITS_BASE + (chunk >>> 3)) / PAGE);
    }

    boolean testBit(long chunk) {
        return BitmapBits.test(live, BITS_BASE, chunk);
    }

    void setBit(long chunk) {
        BitmapBits.set(live, BITS_BASE, chunk);
    }

    void clearBit(long chunk) {
        BitmapBits.clear(live, BITS_BASE, chunk);
    }

    void markDirty(int page) {
        if (!dirty[page]) {
            dirty[page] = true;
            dirtyList[dirtyCount++] = page;
        }
    }

    void markAllDirty() {
        for (int p = 0; p < pages; p++) {
            markDirty(p);
        }
    }

    int dirtyCount() {
        return dirtyCount;
    }

    /**
     * Copies every dirty live page into its snapshot and lists them in {@code out}; the open
     * epoch starts again with no dirty page. Only the flusher calls this, and only when none of
     * the snapshots is being written, so a snapshot never changes under a write (W6).
     *
     * @return number of pages listed in {@code out}
     */
    int snapshotDirty(int[] out) {
        int n = dirtyCount;
        for (int i = 0; i < n; i++) {
            int p = dirtyList[i];
            dirty[p] = false;
            snapshots[p].put(0, live, p * PAGE, writeLength[p]);
            out[i] = p;
        }
        dirtyCount = 0;
        return n;
    }
}
