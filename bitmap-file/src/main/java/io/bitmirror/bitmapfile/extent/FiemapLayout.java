package io.bitmirror.bitmapfile.extent;

/**
 * Layout of {@code struct fiemap} and {@code struct fiemap_extent} (linux/fiemap.h), the
 * argument of the FS_IOC_FIEMAP ioctl: a 32-byte header followed by an array of 56-byte
 * extents. Native byte order; all fields unsigned.
 */
public final class FiemapLayout {
    private FiemapLayout() {
    }

    /** _IOWR('f', 11, struct fiemap): map a file's logical range to physical extents. */
    public static final long FS_IOC_FIEMAP = 0xC020660BL;

    /** u64: first logical byte to map (in). */
    public static final int FM_START_OFFSET = 0;
    /** u64: number of logical bytes to map (in). */
    public static final int FM_LENGTH_OFFSET = 8;
    /** u32: FIEMAP_FLAG_* request flags (in), flags not understood by the filesystem (out). */
    public static final int FM_FLAGS_OFFSET = 16;
    /** u32: number of extents the kernel filled in (out). */
    public static final int FM_MAPPED_EXTENTS_OFFSET = 20;
    /** u32: room in the extent array (in); 0 asks only for the count. */
    public static final int FM_EXTENT_COUNT_OFFSET = 24;
    /** u32: reserved, must be 0. */
    public static final int FM_RESERVED_OFFSET = 28;
    /** Header length; the extent array starts here. */
    public static final int HEADER_LENGTH = 32;

    /** u64: logical byte offset of the extent in the file. */
    public static final int FE_LOGICAL_OFFSET = 0;
    /** u64: physical byte offset on the device under the filesystem. */
    public static final int FE_PHYSICAL_OFFSET = 8;
    /** u64: length in bytes. */
    public static final int FE_LENGTH_OFFSET = 16;
    /** u64[2]: reserved. */
    public static final int FE_RESERVED64_OFFSET = 24;
    /** u32: FIEMAP_EXTENT_* flags. */
    public static final int FE_FLAGS_OFFSET = 40;
    /** u32[3]: reserved. */
    public static final int FE_RESERVED_OFFSET = 44;
    /** Length of one fiemap_extent. */
    public static final int EXTENT_LENGTH = 56;

    /** Request flag: sync the file before mapping, so delayed allocations get addresses. */
    public static final int FIEMAP_FLAG_SYNC = 0x1;

    /** Bytes needed for a request with room for {@code extents} extents. */
    public static int length(int extents) {
        return HEADER_LENGTH + extents * EXTENT_LENGTH;
    }
}
