package io.bitmirror.bitmap.format;

/**
 * Descriptor of md's bitmap superblock ({@code bitmap_super_t}): every offset named once.
 * All fields are little-endian. The bit array starts right after, at {@link #LENGTH}.
 */
public final class BitmapSuperblockLayout {
    private BitmapSuperblockLayout() {
    }

    /** u32 magic, {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 0;
    /** u32 format version: 3, 4, 5 or 6. */
    public static final int VERSION_OFFSET = 4;
    /** 16 bytes: the array's set_uuid. */
    public static final int UUID_OFFSET = 8;
    /** u64 events when the bitmap was last written. */
    public static final int EVENTS_OFFSET = 24;
    /** u64 events when bits were last cleared. */
    public static final int EVENTS_CLEARED_OFFSET = 32;
    /** u64 sectors covered by the bitmap (the member's used data size). */
    public static final int SYNC_SIZE_OFFSET = 40;
    /** u32 state flags, see {@link #STATE_STALE} and friends. */
    public static final int STATE_OFFSET = 48;
    /** u32 bytes of member data per bit. */
    public static final int CHUNKSIZE_OFFSET = 52;
    /** u32 seconds between lazy clearing passes. */
    public static final int DAEMON_SLEEP_OFFSET = 56;
    /** u32 maximum outstanding write-behind requests, 0 = off. */
    public static final int WRITE_BEHIND_OFFSET = 60;
    /** u32 sectors reserved for the bitmap, 0 = unknown. */
    public static final int SECTORS_RESERVED_OFFSET = 64;
    /** u32 cluster nodes (clustered bitmaps only). */
    public static final int NODES_OFFSET = 68;
    /** 64 bytes cluster name (clustered bitmaps only). */
    public static final int CLUSTER_NAME_OFFSET = 72;
    /** Length of {@link #CLUSTER_NAME_OFFSET}. */
    public static final int CLUSTER_NAME_LENGTH = 64;
    /** 120 bytes of padding, written as zero. */
    public static final int PAD_OFFSET = 136;
    /** Size of the bitmap superblock; the bits start here. */
    public static final int LENGTH = 256;

    /** "bitm" read as a little-endian u32. */
    public static final int MAGIC = 0x6d746962;
    /** Host-endian bit order (identical to version 4 on little-endian hosts). */
    public static final int VERSION_HOST_ENDIAN = 3;
    /** Little-endian bit order: the version bitmirror writes. */
    public static final int VERSION_LITTLE_ENDIAN = 4;
    /** Clustered: one bitmap per node, back to back. */
    public static final int VERSION_CLUSTERED = 5;
    /** The kernel's lockless bitmap (one byte per chunk); mdadm 4.2 cannot read it. */
    public static final int VERSION_LOCKLESS = 6;

    /** The bitmap is older than the array: every chunk must be treated as dirty. */
    public static final int STATE_STALE = 2;
    /** A bitmap write failed in memory; never written to disk by the kernel. */
    public static final int STATE_WRITE_ERROR = 4;
    /** Host-endian marker of version 3 bitmaps. */
    public static final int STATE_HOST_ENDIAN = 0x8000;

    /** Largest write_behind md accepts (COUNTER_MAX / 2). */
    public static final int MAX_WRITE_BEHIND = 16383;
    /** Smallest chunk size the format allows. */
    public static final int MIN_CHUNKSIZE = 512;
}
