package io.bitmirror.bitmap.format;

import static io.bitmirror.bitmap.format.BitmapSuperblockLayout.*;
import static io.bitmirror.bitmap.format.MdFormatException.check;

import java.util.HexFormat;

/**
 * The checks md makes before trusting a bitmap superblock, plus the ones bitmirror adds
 * (uuid, sync size and room). Each failure is an {@link MdFormatException} naming the field.
 */
public final class BitmapValidator {
    private BitmapValidator() {
    }

    /** Largest daemon_sleep accepted, in seconds (md's limit is MAX_SCHEDULE_TIMEOUT / HZ). */
    public static final int MAX_DAEMON_SLEEP = 86_400;

    /**
     * Validates the fields that make a bitmap superblock readable.
     *
     * @param expectedUuid the array's uuid, or null when not known (an external file on its own)
     * @param roomBytes bytes available for superblock plus bits, or -1 when unknown
     */
    public static void validate(BitmapSuperblock sb, byte[] expectedUuid, long roomBytes) {
        int magic = sb.magic();
        check(magic == MAGIC, "bitmap magic", hex(magic), "not an md bitmap (expected 0x6d746962)");
        int version = sb.version();
        check(version != VERSION_LOCKLESS, "bitmap version", version,
                "the lockless bitmap (one byte per chunk) is not supported; versions 3, 4 and 5 are");
        check(version >= VERSION_HOST_ENDIAN && version <= VERSION_CLUSTERED, "bitmap version", version,
                "unknown; versions 3, 4 and 5 are supported");
        int chunk = sb.chunksize();
        check(chunk >= MIN_CHUNKSIZE && Integer.bitCount(chunk) == 1, "bitmap chunksize",
                Integer.toUnsignedString(chunk), "must be a power of two of at least 512 bytes");
        int sleep = sb.daemonSleep();
        check(sleep >= 1 && sleep <= MAX_DAEMON_SLEEP, "bitmap daemon_sleep", Integer.toUnsignedString(sleep),
                "must be between 1 and " + MAX_DAEMON_SLEEP + " seconds");
        int wb = sb.writeBehind();
        check(wb >= 0 && wb <= MAX_WRITE_BEHIND, "bitmap write_behind", Integer.toUnsignedString(wb),
                "must be between 0 and " + MAX_WRITE_BEHIND);
        long sync = sb.syncSize();
        check(sync >= 0 && sync <= (1L << 50), "bitmap sync_size", Long.toUnsignedString(sync),
                "is not a plausible number of sectors");
        int nodes = sb.nodes();
        check(version == VERSION_CLUSTERED ? nodes >= 0 && nodes <= 64 : nodes == 0, "bitmap nodes",
                Integer.toUnsignedString(nodes), version == VERSION_CLUSTERED ? "must be at most 64"
                        : "must be 0 for a bitmap that is not clustered");
        if (expectedUuid != null) {
            byte[] uuid = new byte[16];
            sb.getUuid(uuid);
            check(java.util.Arrays.equals(uuid, expectedUuid), "bitmap uuid", HexFormat.of().formatHex(uuid),
                    "does not match the array uuid " + HexFormat.of().formatHex(expectedUuid));
        }
        if (roomBytes >= 0) {
            long need = BitmapGeometry.totalBytes(sb.chunks());
            check(need <= roomBytes, "bitmap sync_size", sync,
                    "needs " + need + " bytes of bitmap but only " + roomBytes + " are available");
        }
    }

    static String hex(int v) {
        return String.format("0x%08x", v);
    }
}
