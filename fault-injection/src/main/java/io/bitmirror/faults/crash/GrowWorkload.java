package io.bitmirror.faults.crash;

import io.bitmirror.raid.array.BitmapChange;
import io.bitmirror.raid.internal.ArrayInternals;

import java.util.SplittableRandom;

/**
 * {@code grow --bitmap} on a running array, crashed at every write boundary of every step: the
 * array is created without a bitmap; writes; grow to internal; writes, flushes and idle time
 * (bits set and cleared); grow to none; writes; grow to internal again; writes. A crash anywhere
 * must leave an array that assembles and, after resync, has identical members with every
 * promised write (the checker's W1 applies while the superblocks point at a bitmap).
 *
 * <p>With {@code mutant} the grows to internal write the superblocks (feature bit,
 * bitmap_offset) before the bitmap area, breaking W3's order: a crash in between leaves
 * superblocks pointing at an area that holds no bitmap yet.
 */
public final class GrowWorkload implements Workload {
    private final int opsPerPhase;
    private final boolean mutant;

    public GrowWorkload(int opsPerPhase, boolean mutant) {
        this.opsPerPhase = opsPerPhase;
        this.mutant = mutant;
    }

    @Override
    public String name() {
        return mutant ? "grow-bitmap-superblock-first" : "grow-bitmap";
    }

    @Override
    public boolean createWithBitmap() {
        return false;
    }

    @Override
    public void run(WorkloadContext ctx) throws Exception {
        SplittableRandom r = ctx.random();
        phase(ctx, r, opsPerPhase);
        ctx.grow(internal());
        phase(ctx, r, opsPerPhase);
        ctx.pause(30);
        phase(ctx, r, opsPerPhase / 2);
        ctx.grow(BitmapChange.none());
        phase(ctx, r, opsPerPhase);
        ctx.grow(internal());
        phase(ctx, r, opsPerPhase);
    }

    private BitmapChange internal() {
        BitmapChange c = BitmapChange.internal(Recorder.CHUNK_BYTES);
        return mutant ? ArrayInternals.superblockFirstMutant(c) : c;
    }

    private static void phase(WorkloadContext ctx, SplittableRandom r, int ops) throws Exception {
        for (int op = 0; op < ops; op++) {
            int kind = r.nextInt(100);
            if (kind < 12) {
                ctx.flush();
            } else if (kind < 18) {
                ctx.pause(2 + r.nextInt(10));
            } else {
                int first = RandomWritesWorkload.hotBlock(ctx, r);
                ctx.write(first, 1 + r.nextInt(Math.min(4, ctx.blocks() - first)), kind < 25);
            }
        }
    }
}
