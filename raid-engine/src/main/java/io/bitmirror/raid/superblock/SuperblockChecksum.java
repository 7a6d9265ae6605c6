package io.bitmirror.raid.superblock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The kernel's v1 superblock checksum: the little-endian u32 words of the first
 * {@code 256 + 2*max_dev} bytes summed into 64 bits with sb_csum taken as zero, a trailing
 * u16 added on its own, then the carry folded back once.
 */
public final class SuperblockChecksum {
    private SuperblockChecksum() {
    }

    /** Computes the checksum of the superblock at {@code offset} with {@code maxDev} roles. */
    public static int compute(ByteBuffer buf, int offset, int maxDev) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int size = SuperblockLayout.length(maxDev);
        long sum = 0;
        int i = 0;
        for (; i + 4 <= size; i += 4) {
            // sb_csum itself counts as zero, so the stored value never feeds its own sum.
            if (i != SuperblockLayout.SB_CSUM_OFFSET) {
                sum += Integer.toUnsignedLong(b.getInt(offset + i));
            }
        }
        if (i + 2 == size) {
            sum += Short.toUnsignedInt(b.getShort(offset + i));
        }
        return (int) ((sum & 0xffffffffL) + (sum >>> 32));
    }
}
