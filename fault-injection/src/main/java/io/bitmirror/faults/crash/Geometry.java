package io.bitmirror.faults.crash;

import io.bitmirror.bitmap.format.BitmapSuperblockLayout;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.superblock.Superblock;

/**
 * Where things are on a member, read from the created superblock.
 *
 * @param memberBytes member device size
 * @param superOffset superblock byte offset
 * @param bitmapOffset internal bitmap byte offset (its superblock, then the bits)
 * @param dataOffset data area byte offset
 * @param arrayBytes data area (array) size
 * @param chunkBytes bytes per bitmap bit
 * @param chunks bitmap bits
 */
public record Geometry(long memberBytes, long superOffset, long bitmapOffset, long dataOffset, long arrayBytes,
        long chunkBytes, long chunks) {

    public static Geometry of(MemberMetadata md) {
        Superblock sb = md.superblock();
        long so = sb.superOffset() * 512;
        if (md.bitmapSuperblock() == null) {
            // Created without a bitmap (the grow workload): where grow --bitmap=internal puts one,
            // 8 sectors after the superblock, with the recording's chunk.
            long chunk = Recorder.CHUNK_BYTES;
            return new Geometry(md.sizeBytes(), so, so + 8 * 512L, sb.dataOffset() * 512, sb.size() * 512, chunk,
                    (sb.size() * 512 + chunk - 1) / chunk);
        }
        return new Geometry(md.sizeBytes(), so, so + sb.bitmapOffset() * 512L, sb.dataOffset() * 512,
                sb.size() * 512, md.bitmapSuperblock().chunksize(), md.bitmapSuperblock().chunks());
    }

    /** Byte offset of chunk {@code c}'s bit's byte on the member. */
    public long bitByte(long chunk) {
        return bitmapOffset + BitmapSuperblockLayout.LENGTH + chunk / 8;
    }

    /** Whether chunk {@code c}'s bit is set in a member image. */
    public boolean bitSet(byte[] image, long chunk) {
        return (image[(int) bitByte(chunk)] & (1 << (chunk % 8))) != 0;
    }

    public long chunkOf(long arrayOffset) {
        return arrayOffset / chunkBytes;
    }
}
