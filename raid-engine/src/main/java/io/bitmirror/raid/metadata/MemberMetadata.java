package io.bitmirror.raid.metadata;

import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockVersion;

import java.nio.ByteBuffer;

/**
 * A member's metadata as read from disk: where the superblock was found, the superblock block
 * itself and, when the superblock says so, the internal bitmap (superblock plus bits).
 *
 * @param name the device it was read from
 * @param sizeBytes the device's size
 * @param version the placement the superblock was found at
 * @param superblockBlock the 4 KiB block holding the superblock
 * @param bitmap the internal bitmap bytes (superblock + bits, rounded to 4 KiB), or null
 */
public record MemberMetadata(String name, long sizeBytes, SuperblockVersion version, ByteBuffer superblockBlock,
        ByteBuffer bitmap) {

    /** A fresh flyweight over the superblock. */
    public Superblock superblock() {
        return new Superblock().wrap(superblockBlock, 0);
    }

    /** A fresh flyweight over the internal bitmap superblock, or null. */
    public BitmapSuperblock bitmapSuperblock() {
        return bitmap == null ? null : new BitmapSuperblock().wrap(bitmap, 0);
    }

    public long sectors() {
        return sizeBytes / 512;
    }
}
