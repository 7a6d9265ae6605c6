package io.bitmirror.faults.crash;

import java.util.SplittableRandom;

/**
 * Random writes of 1 to 8 blocks in four hot regions (so chunks are rewritten, cleared by the
 * daemon and dirtied again), array flushes, FUA writes, trims, and idle pauses in which the
 * daemon clears bits and safe mode marks the array clean.
 */
public final class RandomWritesWorkload implements Workload {
    private final int ops;

    public RandomWritesWorkload(int ops) {
        this.ops = ops;
    }

    @Override
    public String name() {
        return "random-writes";
    }

    @Override
    public void run(WorkloadContext ctx) throws Exception {
        SplittableRandom r = ctx.random();
        for (int op = 0; op < ops; op++) {
            int kind = r.nextInt(100);
            if (kind < 10) {
                ctx.flush();
            } else if (kind < 18) {
                ctx.pause(5 + r.nextInt(25));
            } else if (kind < 22) {
                int first = hotBlock(ctx, r);
                ctx.trim(first, 1 + r.nextInt(Math.min(4, ctx.blocks() - first)));
            } else {
                int first = hotBlock(ctx, r);
                ctx.write(first, 1 + r.nextInt(Math.min(8, ctx.blocks() - first)), kind < 28);
            }
        }
    }

    /** Blocks at the start of each quarter of the array that take the writes. */
    static final int HOT_BLOCKS = 48;

    /** A block in one of four regions of 48 blocks (3 chunks of 64 KiB): writes collide and chunks recur. */
    static int hotBlock(WorkloadContext ctx, SplittableRandom r) {
        int region = r.nextInt(4);
        return Math.min(ctx.blocks() - 1, region * (ctx.blocks() / 4) + r.nextInt(HOT_BLOCKS));
    }
}
