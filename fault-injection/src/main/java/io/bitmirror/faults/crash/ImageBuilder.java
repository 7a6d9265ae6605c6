package io.bitmirror.faults.crash;

import io.bitmirror.faults.record.LogEntry;

/**
 * Member images for a crash state: the created image, then, in completion order, every write of
 * the member that is durable at the crash point (covered by its last completed flush, or FUA)
 * and every volatile write the state keeps (whole or only its kept sectors). Later writes win
 * sector by sector, as on a disk.
 */
public final class ImageBuilder {
    private static final int SECTOR = 512;

    private ImageBuilder() {
    }

    public static byte[][] build(Recording r, CrashState s) {
        int members = r.members();
        byte[][] img = new byte[members][];
        long[] durable = new long[members];
        for (int m = 0; m < members; m++) {
            img[m] = r.base().get(m).clone();
            durable[m] = r.flushedUpTo(m, s.crashSeq());
        }
        for (long seq = 1; seq <= s.crashSeq(); seq++) {
            LogEntry e = r.entry(seq);
            if (!e.isWrite()) {
                continue;
            }
            int m = e.member();
            long mask = seq <= durable[m] || e.fua() ? CrashState.WHOLE : s.maskOf(m, seq);
            if (mask == 0) {
                continue;
            }
            apply(img[m], e, mask);
        }
        return img;
    }

    private static void apply(byte[] image, LogEntry e, long mask) {
        byte[] d = e.data();
        if (mask == CrashState.WHOLE) {
            System.arraycopy(d, 0, image, (int) e.position(), d.length);
            return;
        }
        for (int s = 0; s * SECTOR < d.length; s++) {
            if ((mask & (1L << (s % 64))) != 0) {
                System.arraycopy(d, s * SECTOR, image, (int) e.position() + s * SECTOR, SECTOR);
            }
        }
    }
}
