package io.bitmirror.raid.create;

/** Where a new array keeps its write-intent bitmap. */
public enum BitmapMode {
    /** In the superblock area of every member, 8 sectors after the superblock. */
    INTERNAL,
    /** No bitmap: a crash means a full resync. */
    NONE,
    /** In an external file (bitmap-file module); not recorded in the superblock. */
    FILE
}
