package io.bitmirror.bitmap.format;

/**
 * Descriptor of bitmirror's changed-block bitmap file ({@code NAME.cbt}, see docs/CBT.md): a
 * 256-byte header, then one bit per write-intent chunk in md's bit order (bit {@code c} is bit
 * {@code c % 8} of byte {@code c / 8}). All fields little-endian. Not an md format: mdadm never
 * sees this file, so the members' superblocks and bitmaps stay exactly as md writes them.
 */
public final class ChangeBitmapLayout {
    private ChangeBitmapLayout() {
    }

    /** u32 magic, {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 0;
    /** u32 format version, {@link #VERSION}. */
    public static final int VERSION_OFFSET = 4;
    /** 16 bytes: the array's set_uuid (a file of another array is refused). */
    public static final int UUID_OFFSET = 8;
    /** u32 bytes of array data per bit (the write-intent bitmap's chunk). */
    public static final int CHUNKSIZE_OFFSET = 24;
    /** u32 flags, see {@link #FLAG_INCONSISTENT}. */
    public static final int FLAGS_OFFSET = 28;
    /** u64 number of bits (chunks). */
    public static final int CHUNKS_OFFSET = 32;
    /** u16 length of the name in bytes. */
    public static final int NAME_LENGTH_OFFSET = 40;
    /** The bitmap's name, UTF-8 (ASCII letters, digits, {@code - _ .}), at most {@link #NAME_MAX} bytes. */
    public static final int NAME_OFFSET = 42;
    /** Longest name. */
    public static final int NAME_MAX = 64;
    /** Size of the header; the bits start here. */
    public static final int LENGTH = 256;

    /** "CBT1" read as a little-endian u32. */
    public static final int MAGIC = 0x31544243;
    public static final int VERSION = 1;
    /** A write of this file failed: changes may be missing, the next backup must be a full one. */
    public static final int FLAG_INCONSISTENT = 1;
}
