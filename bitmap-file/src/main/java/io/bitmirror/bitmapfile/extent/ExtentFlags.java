package io.bitmirror.bitmapfile.extent;

/**
 * FIEMAP_EXTENT_* flags (linux/fiemap.h) and which of them make an extent unusable for direct
 * writes. Every refused flag has the reason that goes into the message.
 */
public final class ExtentFlags {
    private ExtentFlags() {
    }

    /** Last extent of the file. Harmless. */
    public static final int LAST = 0x1;
    /** Location not known yet. Refused: no address to write to. */
    public static final int UNKNOWN = 0x2;
    /** Delayed allocation: no block yet. Refused (should not survive FIEMAP_FLAG_SYNC). */
    public static final int DELALLOC = 0x4;
    /** Data is encoded (compressed, ...): the device bytes are not the file bytes. Refused. */
    public static final int ENCODED = 0x8;
    /** Data is encrypted by the filesystem: the device bytes are not the file bytes. Refused. */
    public static final int DATA_ENCRYPTED = 0x80;
    /** Extent offsets may not be block aligned. Refused. */
    public static final int NOT_ALIGNED = 0x100;
    /** Data lives in the inode or metadata block, not in a data block. Refused. */
    public static final int DATA_INLINE = 0x200;
    /** Data is packed into a block shared with other files' tails. Refused. */
    public static final int DATA_TAIL = 0x400;
    /** Allocated but never written (fallocate): reads return zeroes whatever the device holds. Refused. */
    public static final int UNWRITTEN = 0x800;
    /** Made of several block mappings (FIBMAP-style filesystems). Harmless. */
    public static final int MERGED = 0x1000;
    /** Shared with another file (reflink, snapshot): a write would change both. Refused. */
    public static final int SHARED = 0x2000;

    /** The flags that make an extent unusable. */
    public static final int REFUSED = UNKNOWN | DELALLOC | ENCODED | DATA_ENCRYPTED | NOT_ALIGNED | DATA_INLINE
            | DATA_TAIL | UNWRITTEN | SHARED;

    /** The reason for the lowest refused flag in {@code flags}, or null when none is set. */
    public static String refusal(int flags) {
        int bad = flags & REFUSED;
        if (bad == 0) {
            return null;
        }
        switch (Integer.lowestOneBit(bad)) {
            case UNKNOWN:
                return "has an extent of unknown location even after a sync";
            case DELALLOC:
                return "has a delayed-allocation extent even after a sync";
            case ENCODED:
                return "has an encoded (compressed) extent, whose device bytes are not the file's bytes";
            case DATA_ENCRYPTED:
                return "has an encrypted extent, whose device bytes are not the file's bytes";
            case NOT_ALIGNED:
                return "has an extent that is not block aligned";
            case DATA_INLINE:
                return "has inline data (stored in the inode), which has no block of its own";
            case DATA_TAIL:
                return "has a tail-packed extent, whose block is shared with other files";
            case UNWRITTEN:
                return "has an unwritten extent (fallocated but never written), which reads as zeroes; "
                        + "create the file by writing every byte";
            case SHARED:
                return "has a shared extent (reflinked copy or snapshot), so a direct write would change"
                        + " another file too; make a real copy";
            default:
                return "has an extent with flags 0x" + Integer.toHexString(bad);
        }
    }

    /** Flag names for messages and the config file, e.g. {@code last|merged}. */
    public static String names(int flags) {
        StringBuilder sb = new StringBuilder();
        String[] n = {"last", "unknown", "delalloc", "encoded", "", "", "", "encrypted", "not_aligned", "inline",
            "tail", "unwritten", "merged", "shared"};
        for (int b = 0; b < n.length; b++) {
            if ((flags & (1 << b)) != 0 && !n[b].isEmpty()) {
                sb.append(sb.length() == 0 ? "" : "|").append(n[b]);
            }
        }
        return sb.toString();
    }
}
