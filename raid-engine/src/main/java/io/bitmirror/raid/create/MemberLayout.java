package io.bitmirror.raid.create;

import io.bitmirror.raid.superblock.SuperblockVersion;

/**
 * Geometry of a new v1.2 member, in sectors, as mdadm lays it out: superblock at 4 KiB, the
 * internal bitmap 8 sectors after it, data from a 1 MiB boundary that leaves room for both.
 *
 * @param superOffset sector of the superblock (8)
 * @param bitmapOffset sectors from superblock to bitmap (8), or 0 without an internal bitmap
 * @param bitmapRoom sectors reserved for the internal bitmap
 * @param dataOffset first data sector
 * @param dataSize sectors available for data
 */
public record MemberLayout(long superOffset, int bitmapOffset, int bitmapRoom, long dataOffset, long dataSize) {

    /** Sectors per MiB: data_offset is a multiple of this. */
    public static final long ALIGN = 2048;
    /** Sectors between the superblock and the bitmap. */
    public static final int BITMAP_OFFSET = 8;

    /**
     * Bitmap room for a device of {@code sectors}, by mdadm's rule: 4 KiB, 64 KiB above 8 GiB,
     * 128 KiB above 200 GiB (always whole 4 KiB blocks, for 4K-sector devices).
     */
    public static int bitmapRoom(long sectors) {
        if (sectors < 64 * 2) {
            return 0;
        }
        if (sectors - 64 * 2 >= 200L * 1024 * 1024 * 2) {
            return 128 * 2;
        }
        if (sectors - 4 * 2 > 8L * 1024 * 1024 * 2) {
            return 64 * 2;
        }
        return 4 * 2;
    }

    /** Lays out a member of {@code sectors} sectors. */
    public static MemberLayout forDevice(long sectors, boolean internalBitmap) {
        long superOffset = SuperblockVersion.V1_2.superOffset(sectors);
        int room = internalBitmap ? bitmapRoom(sectors) : 0;
        // Superblock (4 KiB incl. dev_roles) then, if any, the bitmap; data after both, 1 MiB aligned.
        long metadataEnd = internalBitmap ? superOffset + BITMAP_OFFSET + room : superOffset + 8;
        long dataOffset = (metadataEnd + ALIGN - 1) / ALIGN * ALIGN;
        return new MemberLayout(superOffset, internalBitmap ? BITMAP_OFFSET : 0, room, dataOffset,
                Math.max(0, sectors - dataOffset));
    }
}
