package io.bitmirror.raid.nbd;

import io.bitmirror.bitmap.engine.ChangeBitmap;

/**
 * Block status descriptors of {@code qemu:dirty-bitmap:NAME}: runs of changed (flag
 * {@link Nbd#STATE_DIRTY}) and unchanged (0) chunks of a changed-block bitmap, cut to the
 * requested range. An extent is at most 2^32 - chunk bytes long (the descriptor's length is u32).
 */
final class DirtyExtents {
    private DirtyExtents() {
    }

    /** Fills {@code extents} (length high, flags low) for {@code [offset, end)}; returns how many. */
    static int fill(ChangeBitmap b, long offset, long end, long[] extents, int max) {
        long chunk = b.chunkBytes();
        long limit = 0xffffffffL / chunk * chunk;
        long at = offset;
        int n = 0;
        while (at < end && n < max) {
            long c = at / chunk;
            boolean dirty = c < b.chunks() && b.test(c);
            long e = Math.min(end, (c + 1) * chunk);
            // Extend over following chunks of the same state.
            while (e < end && e - at < limit) {
                long next = e / chunk;
                if ((next < b.chunks() && b.test(next)) != dirty) {
                    break;
                }
                e = Math.min(end, Math.min(at + limit, (next + 1) * chunk));
            }
            extents[n++] = ((e - at) << 32) | (dirty ? Nbd.STATE_DIRTY : 0);
            at = e;
        }
        return n;
    }
}
