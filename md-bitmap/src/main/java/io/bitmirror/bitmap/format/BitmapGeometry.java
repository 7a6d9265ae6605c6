package io.bitmirror.bitmap.format;

/** Sizes derived from a bitmap's sync_size and chunksize, as md computes them. */
public final class BitmapGeometry {
    private BitmapGeometry() {
    }

    /** Bytes of one bitmap page, the unit the kernel (and bitmirror) writes. */
    public static final int PAGE_SIZE = 4096;
    /** Bytes per sector. */
    public static final int SECTOR = 512;

    /** Bits needed to cover {@code syncSizeSectors} with chunks of {@code chunkBytes}. */
    public static long chunks(long syncSizeSectors, int chunkBytes) {
        long chunkSectors = Integer.toUnsignedLong(chunkBytes) / SECTOR;
        if (chunkSectors == 0) {
            return 0;
        }
        return (syncSizeSectors + chunkSectors - 1) / chunkSectors;
    }

    /** Bytes of the bit array for {@code chunks} bits. */
    public static long bitBytes(long chunks) {
        return (chunks + 7) / 8;
    }

    /** Superblock plus bits, in bytes, not rounded. */
    public static long totalBytes(long chunks) {
        return BitmapSuperblockLayout.LENGTH + bitBytes(chunks);
    }

    /** Superblock plus bits rounded up to {@code boundary} bytes (mdadm's calc_bitmap_size). */
    public static long roundedBytes(long chunks, int boundary) {
        long total = totalBytes(chunks);
        return (total + boundary - 1) / boundary * boundary;
    }

    /** Number of 4 KiB pages holding superblock and bits; the last one may be partial. */
    public static int pages(long chunks) {
        return (int) ((totalBytes(chunks) + PAGE_SIZE - 1) / PAGE_SIZE);
    }

    /**
     * The default chunk size, as mdadm chooses it for an internal bitmap: start at 64 MiB and
     * double until the superblock and bits fit in {@code roomBytes}.
     */
    public static int defaultChunk(long syncSizeSectors, long roomBytes) {
        long chunk = 64L << 20;
        while (totalBytes(chunks(syncSizeSectors, (int) Math.min(chunk, 1L << 30))) > roomBytes
                && chunk < (1L << 30)) {
            chunk <<= 1;
        }
        return (int) chunk;
    }
}
