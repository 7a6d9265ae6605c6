package io.bitmirror.raid.superblock;

/** Bits of the v1 superblock's feature_map. */
public final class FeatureMap {
    private FeatureMap() {
    }

    /** An internal bitmap is at bitmap_offset. */
    public static final int BITMAP_OFFSET = 1;
    /** recovery_offset is valid. */
    public static final int RECOVERY_OFFSET = 2;
    /** A reshape is in progress. */
    public static final int RESHAPE_ACTIVE = 4;
    /** The bad-block log holds entries. */
    public static final int BAD_BLOCKS = 8;
    /** This device replaces another. */
    public static final int REPLACEMENT = 16;
    /** The reshape runs backwards. */
    public static final int RESHAPE_BACKWARDS = 32;
    /** new_offset is valid. */
    public static final int NEW_OFFSET = 64;
    /** Recovery uses the bitmap. */
    public static final int RECOVERY_BITMAP = 128;
    /** Clustered (versioned) bitmap. */
    public static final int CLUSTERED = 256;
    /** A journal device exists. */
    public static final int JOURNAL = 512;
    /** Partial parity log. */
    public static final int PPL = 1024;
    /** Multiple partial parity logs. */
    public static final int MULTIPLE_PPLS = 2048;
    /** RAID0 layout is recorded. */
    public static final int RAID0_LAYOUT = 4096;
    /** Every bit the kernel knows. */
    public static final int ALL = 8191;
}
