package io.bitmirror.raid.array;

import io.bitmirror.bitmap.engine.WriteIntentBitmap;

/**
 * The array's write-intent bitmap as it is now: none, internal or an external file. {@code grow
 * --bitmap} swaps it while the array runs, so every part reads it here, once per request (one
 * volatile read of an immutable {@link Active}; nothing is allocated on the write path), never
 * keeps a bitmap of its own. A swap happens only while the sync barrier is suspended (no write in
 * flight, none can start) and no sync pass runs, so a request that read one {@link Active} uses
 * it to the end.
 */
final class BitmapHolder {
    /**
     * One bitmap state.
     *
     * @param bitmap the engine, or null without a bitmap
     * @param store its store (power-cut switch), or null
     * @param unitBytes the sync barrier's unit: the bitmap chunk, or {@link ArrayGeometry#NO_BITMAP_UNIT}
     * @param internalOffsetSectors bitmap_offset the superblocks record (feature bit 0), or 0 when
     *     the superblocks say "no internal bitmap" (none, or an external file)
     */
    record Active(WriteIntentBitmap bitmap, PowerCutStore store, long unitBytes, int internalOffsetSectors) {
        static final Active NONE = new Active(null, null, ArrayGeometry.NO_BITMAP_UNIT, 0);

        boolean internal() {
            return internalOffsetSectors != 0;
        }
    }

    private volatile Active active;

    BitmapHolder(Active initial) {
        this.active = initial;
    }

    Active active() {
        return active;
    }

    /** The engine now, or null. */
    WriteIntentBitmap bitmap() {
        return active.bitmap();
    }

    long unitBytes() {
        return active.unitBytes();
    }

    /** Only from a grow, with the barrier suspended and no sync pass running. */
    void set(Active a) {
        active = a;
    }
}
