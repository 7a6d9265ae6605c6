package io.bitmirror.raid.metadata;

import io.bitmirror.bitmap.format.BitmapGeometry;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.BitmapValidator;
import io.bitmirror.bitmap.format.MdFormatException;
import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;
import io.bitmirror.raid.superblock.SuperblockValidator;
import io.bitmirror.raid.superblock.SuperblockVersion;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads a member's metadata (with O_DIRECT for devices, so what it shows is what is on disk).
 * Looks for the superblock at the 1.2, 1.1 and 1.0 locations, in that order. For malformed
 * metadata it throws only {@link MdFormatException}.
 */
public final class MetadataReader {
    private MetadataReader() {
    }

    /** Smallest device mdadm will look at: 24 sectors. */
    public static final long MIN_DEVICE_SECTORS = 24;

    private static final SuperblockVersion[] SEARCH_ORDER = {
        SuperblockVersion.V1_2, SuperblockVersion.V1_1, SuperblockVersion.V1_0};

    /** Where a superblock was found, before validation. */
    public record Located(String name, long sizeBytes, SuperblockVersion version, ByteBuffer block) {
        public Superblock superblock() {
            return new Superblock().wrap(block, 0);
        }

        public long sectors() {
            return sizeBytes / 512;
        }

        /** The sector this superblock was read from. */
        public long superOffset() {
            return version.superOffset(sectors());
        }
    }

    public static Located locate(Path path) throws IOException {
        try (MetadataSource src = MetadataSource.open(path)) {
            return locate(src);
        }
    }

    /**
     * Finds the superblock by its magic without judging the rest.
     *
     * @throws MdFormatException when the device is too small or no location holds the magic
     */
    public static Located locate(MetadataSource src) throws IOException {
        long sectors = src.sizeBytes() / 512;
        MdFormatException.check(sectors >= MIN_DEVICE_SECTORS, "device size", src.sizeBytes() + " bytes",
                "too small to hold md metadata (at least " + MIN_DEVICE_SECTORS * 512 + " bytes)");
        ByteBuffer block = DirectIo.allocate(SuperblockLayout.BLOCK);
        int seenAt12 = 0;
        for (SuperblockVersion v : SEARCH_ORDER) {
            long at = v.superOffset(sectors);
            if (at < 0 || at * 512 + SuperblockLayout.BLOCK > src.sizeBytes()) {
                continue;
            }
            block.clear();
            src.read(at * 512, block);
            int magic = block.getInt(SuperblockLayout.MAGIC_OFFSET);
            if (magic == SuperblockLayout.MAGIC) {
                return new Located(src.name(), src.sizeBytes(), v, block.clear());
            }
            if (v == SuperblockVersion.V1_2) {
                seenAt12 = magic;
            }
        }
        throw new MdFormatException("magic", String.format("magic 0x%08x at sector 8: no md superblock (0xa92b4efc) "
                + "at the 1.0, 1.1 or 1.2 location", seenAt12));
    }

    public static MemberMetadata read(Path path) throws IOException {
        try (MetadataSource src = MetadataSource.open(path)) {
            return read(src);
        }
    }

    /**
     * Reads and fully validates the superblock and, if it has one, the internal bitmap.
     *
     * @throws MdFormatException for anything malformed, naming the field and value
     */
    public static MemberMetadata read(MetadataSource src) throws IOException {
        Located loc = locate(src);
        Superblock sb = loc.superblock();
        SuperblockValidator.validate(sb, loc.superOffset(), loc.sectors());
        ByteBuffer bitmap = null;
        if (sb.hasFeature(FeatureMap.BITMAP_OFFSET)) {
            bitmap = readInternalBitmap(src, sb);
        }
        return new MemberMetadata(src.name(), src.sizeBytes(), loc.version(), loc.block(), bitmap);
    }

    /** Reads and validates the internal bitmap the (already valid) superblock points at. */
    public static ByteBuffer readInternalBitmap(MetadataSource src, Superblock sb) throws IOException {
        long start = (sb.superOffset() + sb.bitmapOffset()) * 512;
        long room = SuperblockValidator.bitmapRoomBytes(sb);
        ByteBuffer first = DirectIo.allocate(BitmapGeometry.PAGE_SIZE);
        readChecked(src, first, start);
        BitmapSuperblock bsb = new BitmapSuperblock().wrap(first, 0);
        BitmapValidator.validate(bsb, sb.setUuid(), room);
        MdFormatException.check(Long.compareUnsigned(bsb.syncSize(), sb.dataSize()) <= 0, "bitmap sync_size",
                Long.toUnsignedString(bsb.syncSize()), "is larger than the member's data_size " + sb.dataSize());
        long total = BitmapGeometry.roundedBytes(bsb.chunks(), BitmapGeometry.PAGE_SIZE);
        ByteBuffer all = DirectIo.allocate((int) total);
        readChecked(src, all, start);
        return all;
    }

    /** Reads {@code dst} fully; a read past the end of the device is reported as a format error. */
    private static void readChecked(MetadataSource src, ByteBuffer dst, long position) throws IOException {
        long want = dst.remaining();
        MdFormatException.check(position >= 0 && position + want <= src.sizeBytes(), "bitmap_offset", position / 512,
                "a bitmap of " + want + " bytes at byte " + position + " runs past the end of the device ("
                        + src.sizeBytes() + " bytes)");
        dst.clear();
        src.read(position, dst);
        dst.clear();
    }
}
