package io.bitmirror.raid.array;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.metadata.MemberMetadata;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.nio.ByteBuffer;

/**
 * One member's superblock as the array keeps it: the block it writes back (its contents change
 * only under {@link ArrayMetadata}'s lock) and where the superblock and the data area sit.
 */
final class MemberSuperblock {
    final ByteBuffer block;
    final Superblock sb;
    final long superOffsetBytes;
    final long dataOffsetBytes;
    final boolean writeMostly;

    private MemberSuperblock(ByteBuffer block) {
        this.block = block;
        this.sb = new Superblock().wrap(block, 0);
        this.superOffsetBytes = sb.superOffset() * 512;
        this.dataOffsetBytes = sb.dataOffset() * 512;
        this.writeMostly = (sb.devflags() & SuperblockLayout.DEVFLAG_WRITE_MOSTLY) != 0;
    }

    /** A private copy of the superblock read from the member (the array rewrites it in place). */
    static MemberSuperblock of(MemberMetadata md) {
        ByteBuffer block = DirectIo.allocate(SuperblockLayout.BLOCK);
        block.put(0, md.superblockBlock(), 0, SuperblockLayout.BLOCK);
        return new MemberSuperblock(block);
    }

    int devNumber() {
        return sb.devNumber();
    }
}
