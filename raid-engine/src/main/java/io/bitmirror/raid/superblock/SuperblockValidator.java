package io.bitmirror.raid.superblock;

import static io.bitmirror.bitmap.format.MdFormatException.check;
import static io.bitmirror.raid.superblock.SuperblockLayout.*;

import io.bitmirror.bitmap.format.MdFormatException;

/**
 * The checks the kernel makes before it accepts a v1 superblock at assembly, with messages
 * that name the field and the value. Structural checks come first (without them nothing else
 * can be read); {@link #validate} adds the checksum and geometry.
 */
public final class SuperblockValidator {
    private SuperblockValidator() {
    }

    /**
     * Checks that the bytes are an md v1 superblock at all: magic, major version, max_dev and the
     * superblock's own location. Failing these, the block is not an md superblock.
     *
     * @param expectedSuperOffset the sector the block was read from
     */
    public static void validateStructure(Superblock sb, long expectedSuperOffset) {
        check(sb.magic() == MAGIC, "magic", hex(sb.magic()), "no md superblock (expected 0xa92b4efc)");
        check(sb.majorVersion() == 1, "major_version", Integer.toUnsignedString(sb.majorVersion()),
                "only version 1 superblocks are supported");
        int maxDev = sb.maxDev();
        check(maxDev >= 0 && maxDev <= MAX_DEV_LIMIT, "max_dev", Integer.toUnsignedString(maxDev),
                "must be at most " + MAX_DEV_LIMIT);
        check(sb.superOffset() == expectedSuperOffset, "super_offset", Long.toUnsignedString(sb.superOffset()),
                "does not match the superblock's location at sector " + expectedSuperOffset);
    }

    /**
     * Everything else the kernel checks: checksum, padding, feature bits, and that data, bitmap
     * and superblock fit the device without overlapping.
     *
     * @param deviceSectors size of the device in sectors
     */
    public static void validate(Superblock sb, long expectedSuperOffset, long deviceSectors) {
        validateStructure(sb, expectedSuperOffset);
        int expected = sb.computeChecksum();
        check(sb.sbCsum() == expected, "sb_csum", hex(sb.sbCsum()), "wrong checksum, expected " + hex(expected));
        check(sb.pad0() == 0, "pad0", hex(sb.pad0()), "must be zero");
        for (int i = 0; i < PAD3_LENGTH; i += 4) {
            int v = sb.buffer().getInt(sb.offset() + PAD3_OFFSET + i);
            check(v == 0, "pad3", hex(v) + " at byte " + (PAD3_OFFSET + i), "must be zero");
        }
        int unknown = sb.featureMap() & ~FeatureMap.ALL;
        check(unknown == 0, "feature_map", hex(sb.featureMap()), "unknown feature bits " + hex(unknown));
        long dataOffset = sb.dataOffset();
        long dataSize = sb.dataSize();
        long superOffset = sb.superOffset();
        check(dataSize >= 10, "data_size", Long.toUnsignedString(dataSize), "must be at least 10 sectors");
        check(dataOffset >= 0 && dataOffset < deviceSectors, "data_offset", Long.toUnsignedString(dataOffset),
                "is outside the device of " + deviceSectors + " sectors");
        check(Long.compareUnsigned(dataSize, deviceSectors - dataOffset) <= 0, "data_size",
                Long.toUnsignedString(dataSize), "does not fit the device: " + deviceSectors
                        + " sectors less data_offset " + dataOffset + " leaves " + (deviceSectors - dataOffset));
        check(Long.compareUnsigned(sb.size(), dataSize) <= 0, "size", Long.toUnsignedString(sb.size()),
                "is larger than data_size " + dataSize);
        long sbSectors = (length(sb.maxDev()) + 511) / 512;
        if (superOffset < dataOffset) {
            // 1.1 and 1.2: metadata first, then data. The superblock must end before the data.
            check(superOffset + sbSectors <= dataOffset, "data_offset", dataOffset,
                    "overlaps the superblock at sector " + superOffset);
        } else {
            // 1.0: data first, superblock after it.
            check(dataOffset + dataSize <= superOffset, "data_size", dataSize,
                    "runs into the superblock at sector " + superOffset);
        }
        if (sb.hasFeature(FeatureMap.BITMAP_OFFSET)) {
            long bitmapStart = superOffset + sb.bitmapOffset();
            check(bitmapStart >= 0 && bitmapStart < deviceSectors, "bitmap_offset", sb.bitmapOffset(),
                    "points outside the device");
            if (superOffset < dataOffset) {
                check(sb.bitmapOffset() >= sbSectors && bitmapStart < dataOffset, "bitmap_offset",
                        sb.bitmapOffset(), "must lie between the superblock and data_offset " + dataOffset);
            } else {
                check(bitmapStart >= dataOffset + dataSize && sb.bitmapOffset() < 0, "bitmap_offset",
                        sb.bitmapOffset(), "must lie between the data and the superblock");
            }
        }
        int dev = sb.devNumber();
        check(dev >= 0 && dev < sb.maxDev(), "dev_number", Integer.toUnsignedString(dev),
                "is not below max_dev " + sb.maxDev());
        check(sb.raidDisks() >= 0 && sb.raidDisks() <= sb.maxDev(), "raid_disks",
                Integer.toUnsignedString(sb.raidDisks()), "must be at most max_dev " + sb.maxDev());
    }

    /**
     * The room the internal bitmap may use, in bytes: from its start to data_offset (1.1/1.2) or
     * to the superblock (1.0).
     */
    public static long bitmapRoomBytes(Superblock sb) {
        long start = sb.superOffset() + sb.bitmapOffset();
        long end = sb.superOffset() < sb.dataOffset() ? sb.dataOffset() : sb.superOffset();
        if (end <= start) {
            throw new MdFormatException("bitmap_offset", "bitmap_offset " + sb.bitmapOffset() + ": leaves no room");
        }
        return (end - start) * 512;
    }

    static String hex(int v) {
        return String.format("0x%08x", v);
    }
}
