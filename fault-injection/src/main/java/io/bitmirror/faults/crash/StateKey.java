package io.bitmirror.faults.crash;

import io.bitmirror.faults.record.LogEntry;

/**
 * Identity of a crash state's member images, for "distinct" states: per member, the durable
 * bound (last flush's cover), the last FUA write by the crash point, and the surviving volatile
 * writes with their sector masks. Two states with the same key build the same images. Two
 * independent 64-bit hashes make a collision negligible.
 */
public record StateKey(long h1, long h2) {

    public static StateKey of(Recording r, CrashState s) {
        long h1 = 0x9E3779B97F4A7C15L;
        long h2 = 0xC2B2AE3D27D4EB4FL;
        for (int m = 0; m < r.members(); m++) {
            long[] parts = {r.flushedUpTo(m, s.crashSeq()), lastFua(r, m, s.crashSeq()), -m - 1};
            for (long p : parts) {
                h1 = mix(h1, p);
                h2 = mix2(h2, p);
            }
            for (int i = 0; i < s.kept()[m].length; i++) {
                h1 = mix(mix(h1, s.kept()[m][i]), s.masks()[m][i]);
                h2 = mix2(mix2(h2, s.kept()[m][i]), s.masks()[m][i]);
            }
        }
        return new StateKey(h1, h2);
    }

    private static long lastFua(Recording r, int m, long k) {
        for (long s = k; s >= 1; s--) {
            LogEntry e = r.entry(s);
            if (e.member() == m && e.fua()) {
                return s;
            }
        }
        return 0;
    }

    private static long mix(long h, long v) {
        h ^= v + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2);
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 31);
    }

    private static long mix2(long h, long v) {
        h = (h ^ v) * 0x94D049BB133111EBL;
        h = Long.rotateLeft(h, 27) * 0xFF51AFD7ED558CCDL;
        return h ^ (h >>> 33);
    }
}
