package io.bitmirror.raid.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;

/**
 * Looks for signatures that say a device is in use: md superblocks (v0.90 and v1.x), common
 * filesystems, swap, LUKS, LVM and partition tables. Used by {@code create} to refuse
 * overwriting them unless forced. The list is what an operator would be sorry to lose, not
 * everything blkid knows.
 */
public final class SignatureProbe {
    private SignatureProbe() {
    }

    private static final int HEAD = 128 * 1024;

    /**
     * Names the first signature found on {@code dev}, or returns null when it looks unused.
     */
    public static String find(DeviceInfo dev) throws IOException {
        try (FileChannel ch = DirectIo.openRead(dev.path())) {
            return find(dev, (at, b) -> DirectIo.readFully(ch, b, at));
        }
    }

    /** How the probe reads the device: fills {@code dst} from {@code position} (4 KiB aligned). */
    @FunctionalInterface
    public interface Reader {
        void read(long position, ByteBuffer dst) throws IOException;
    }

    /** {@link #find(DeviceInfo)} over any reader (a remote member's connection). */
    public static String find(DeviceInfo dev, Reader ch) throws IOException {
        int headLen = (int) Math.min(HEAD, dev.sizeBytes() & ~4095L);
        ByteBuffer head = DirectIo.allocate(Math.max(headLen, 4096));
        head.limit(headLen);
        if (headLen > 0) {
            ch.read(0, head);
        }
        String found = inHead(head, headLen);
        if (found != null) {
            return found;
        }
        long sectors = dev.sectors();
        if (sectors >= 24) {
            long end = ((sectors - 16) & ~7L) * 512;
            ByteBuffer tail = DirectIo.allocate(4096);
            ch.read(end, tail);
            if (tail.getInt(0) == io.bitmirror.raid.superblock.SuperblockLayout.MAGIC) {
                return "an md v1.0 superblock";
            }
        }
        // md v0.90 sits in the last 64 KiB-aligned 64 KiB block.
        if (dev.sizeBytes() >= 128 * 1024) {
            long at = (dev.sizeBytes() & ~(65536L - 1)) - 65536;
            ByteBuffer b = DirectIo.allocate(4096);
            ch.read(at, b);
            if (b.order(ByteOrder.LITTLE_ENDIAN).getInt(0) == 0xa92b4efc
                    || b.order(ByteOrder.BIG_ENDIAN).getInt(0) == 0xa92b4efc) {
                return "an md v0.90 superblock";
            }
        }
        return null;
    }

    private static String inHead(ByteBuffer b, int len) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        if (len >= 4096 && b.getInt(0) == io.bitmirror.raid.superblock.SuperblockLayout.MAGIC) {
            return "an md v1.1 superblock";
        }
        if (len >= 8192 && b.getInt(4096) == io.bitmirror.raid.superblock.SuperblockLayout.MAGIC) {
            return "an md v1.2 superblock";
        }
        if (len >= 2048 && (b.getShort(1080) & 0xffff) == 0xEF53) {
            return "an ext2/3/4 filesystem";
        }
        if (text(b, 0, 4, len).equals("XFSB")) {
            return "an xfs filesystem";
        }
        if (text(b, 65600, 8, len).equals("_BHRfS_M")) {
            return "a btrfs filesystem";
        }
        if (text(b, 4086, 10, len).equals("SWAPSPACE2") || text(b, 4086, 10, len).equals("SWAP-SPACE")) {
            return "swap space";
        }
        if (text(b, 0, 4, len).equals("LUKS") && len > 5 && (b.get(4) & 0xff) == 0xba && (b.get(5) & 0xff) == 0xbe) {
            return "a LUKS volume";
        }
        for (int s = 0; s < 4; s++) {
            if (text(b, s * 512, 8, len).equals("LABELONE")) {
                return "an LVM physical volume";
            }
        }
        if (text(b, 512, 8, len).equals("EFI PART")) {
            return "a GPT partition table";
        }
        if (len >= 512 && (b.getShort(510) & 0xffff) == 0xAA55) {
            if (text(b, 54, 5, len).equals("FAT12") || text(b, 54, 5, len).equals("FAT16")
                    || text(b, 82, 5, len).equals("FAT32")) {
                return "a FAT filesystem";
            }
            if (text(b, 3, 4, len).equals("NTFS")) {
                return "an NTFS filesystem";
            }
            return "a DOS partition table";
        }
        return null;
    }

    private static String text(ByteBuffer b, int at, int n, int len) {
        if (at + n > len) {
            return "";
        }
        byte[] out = new byte[n];
        b.get(at, out, 0, n);
        return new String(out, StandardCharsets.ISO_8859_1);
    }
}
