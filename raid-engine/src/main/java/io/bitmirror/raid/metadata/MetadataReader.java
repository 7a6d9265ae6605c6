package io.bitmirror.raid.metadata;

import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;
import io.bitmirror.bitmap.format.BitmapValidator;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.device.DeviceInfo;
import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;
import io.bitmirror.raid.superblock.SuperblockValidator;
import io.bitmirror.raid.superblock.SuperblockVersion;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Reads a member's metadata with O_DIRECT, so what it shows is what is on the device.
 * Looks for the superblock at the 1.2, 1.1 and 1.0 locations, in that order.
 */
public final class MetadataReader {
    private MetadataReader() {
    }

    /** Smallest device mdadm will look at: 24 sectors. */
    public static final long MIN_DEVICE_SECTORS = 24;

    /** Where a superblock was found, before validation. */
    public record Located(DeviceInfo device, SuperblockVersion version, ByteBuffer block) {
        public Superblock superblock() {
            return new Superblock().wrap(block, 0);
        }
    }

    /**
     * Finds the superblock by its magic without judging the rest.
     *
     * @throws MdFormatException when the device is too small or no location holds the magic
     */
    public static Located locate(Path path) throws IOException {
        DeviceInfo dev = DeviceInfo.probe(path);
        MdFormatException.check(dev.sectors() >= MIN_DEVICE_SECTORS, "device size", dev.sizeBytes() + " bytes",
                "too small to hold md metadata (at least " + MIN_DEVICE_SECTORS * 512 + " bytes)");
        try (FileChannel ch = DirectIo.openRead(path)) {
            ByteBuffer block = DirectIo.allocate(SuperblockLayout.BLOCK);
            for (SuperblockVersion v : new SuperblockVersion[] {SuperblockVersion.V1_2, SuperblockVersion.V1_1,
                    SuperblockVersion.V1_0}) {
                long at = v.superOffset(dev.sectors());
                if (at < 0 || (at + 8) * 512 > dev.sizeBytes()) {
                    continue;
                }
                block.clear();
                DirectIo.readFully(ch, block, at * 512);
                if (block.getInt(SuperblockLayout.MAGIC_OFFSET) == SuperblockLayout.MAGIC) {
                    return new Located(dev, v, block);
                }
            }
        }
        throw new MdFormatException("magic", "magic: no md superblock at the 1.0, 1.1 or 1.2 location of " + path);
    }

    /**
     * Reads and fully validates the superblock and, if it has one, the internal bitmap.
     *
     * @throws MdFormatException for anything malformed, naming the field and value
     */
    public static MemberMetadata read(Path path) throws IOException {
        Located loc = locate(path);
        Superblock sb = loc.superblock();
        long superOffset = loc.version().superOffset(loc.device().sectors());
        SuperblockValidator.validate(sb, superOffset, loc.device().sectors());
        ByteBuffer bitmap = null;
        if (sb.hasFeature(FeatureMap.BITMAP_OFFSET)) {
            bitmap = readInternalBitmap(loc.device(), sb);
        }
        return new MemberMetadata(loc.device(), loc.version(), loc.block(), bitmap);
    }

    /** Reads and validates the internal bitmap the (already valid) superblock points at. */
    public static ByteBuffer readInternalBitmap(DeviceInfo dev, Superblock sb) throws IOException {
        long start = (sb.superOffset() + sb.bitmapOffset()) * 512;
        long room = SuperblockValidator.bitmapRoomBytes(sb);
        try (FileChannel ch = DirectIo.openRead(dev.path())) {
            ByteBuffer first = DirectIo.allocate(BitmapGeometry.PAGE_SIZE);
            readAligned(ch, first, start, dev);
            BitmapSuperblock bsb = new BitmapSuperblock().wrap(first, 0);
            BitmapValidator.validate(bsb, sb.setUuid(), room);
            MdFormatException.check(Long.compareUnsigned(bsb.syncSize(), sb.dataSize()) <= 0, "bitmap sync_size",
                    Long.toUnsignedString(bsb.syncSize()), "is larger than the member's data_size " + sb.dataSize());
            long total = BitmapGeometry.roundedBytes(bsb.chunks(), BitmapGeometry.PAGE_SIZE);
            ByteBuffer all = DirectIo.allocate((int) total);
            readAligned(ch, all, start, dev);
            return all;
        }
    }

    /** Reads {@code dst} fully; a read past the end of the device is reported as a format error. */
    private static void readAligned(FileChannel ch, ByteBuffer dst, long position, DeviceInfo dev)
            throws IOException {
        long want = dst.remaining();
        MdFormatException.check(position + want <= dev.sizeBytes() + 0, "bitmap_offset", position / 512,
                "bitmap of " + want + " bytes at byte " + position + " runs past the end of the device ("
                        + dev.sizeBytes() + " bytes)");
        dst.clear();
        DirectIo.readFully(ch, dst, position);
        dst.clear();
    }

}
