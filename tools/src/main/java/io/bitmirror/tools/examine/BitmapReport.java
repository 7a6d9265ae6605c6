package io.bitmirror.tools.examine;

import io.bitmirror.bitmap.format.BitmapBits;
import io.bitmirror.bitmap.format.BitmapSuperblock;
import io.bitmirror.bitmap.format.BitmapSuperblockLayout;

import java.io.PrintWriter;
import java.nio.ByteBuffer;

/** Prints a bitmap with the labels and values of mdadm 4.2's {@code --examine-bitmap}. */
public final class BitmapReport {
    private BitmapReport() {
    }

    /**
     * @param bitmap superblock and bits, from offset 0
     * @param availableBits how many bits the buffer holds (a short file holds fewer than the
     *     superblock asks for; mdadm then counts what is there)
     */
    public static void print(PrintWriter out, String filename, ByteBuffer bitmap, long availableBits) {
        BitmapSuperblock sb = new BitmapSuperblock().wrap(bitmap, 0);
        out.printf("        Filename : %s%n", filename);
        out.printf("           Magic : %08x%n", sb.magic());
        out.printf("         Version : %d%n", sb.version());
        byte[] uuid = new byte[16];
        sb.getUuid(uuid);
        out.printf("            UUID : %s%n", Uuids.mdadm(uuid));
        if (sb.nodes() == 0) {
            out.printf("          Events : %s%n", Long.toUnsignedString(sb.events()));
            out.printf("  Events Cleared : %s%n", Long.toUnsignedString(sb.eventsCleared()));
            out.printf("           State : %s%n", state(sb.state()));
        }
        out.printf("       Chunksize : %s%n", MdadmText.chunksize(Integer.toUnsignedLong(sb.chunksize())));
        out.printf("          Daemon : %ds flush period%n", sb.daemonSleep());
        out.printf("      Write Mode : %s%n", sb.writeBehind() != 0 ? "Allow write behind, max " + sb.writeBehind()
                : "Normal");
        out.printf("       Sync Size : %s%s%n", Long.toUnsignedString(sb.syncSize() / 2),
                MdadmText.humanSize(sb.syncSize() * 512));
        long total = Math.min(sb.chunks(), availableBits);
        long dirty = BitmapBits.countDirty(bitmap, BitmapSuperblockLayout.LENGTH, total);
        out.printf("          Bitmap : %d bits (chunks), %d dirty (%s%%)%n", total, dirty,
                MdadmText.percent1(100.0 * dirty / (total == 0 ? 1 : total)));
    }

    static String state(int s) {
        switch (s) {
            case 0: return "OK";
            case BitmapSuperblockLayout.STATE_STALE: return "Out of date";
            default: return "Unknown";
        }
    }

    /** Dirty and total bits, for callers that compare without printing. */
    public static long dirty(ByteBuffer bitmap) {
        BitmapSuperblock sb = new BitmapSuperblock().wrap(bitmap, 0);
        return BitmapBits.countDirty(bitmap, BitmapSuperblockLayout.LENGTH, sb.chunks());
    }
}
